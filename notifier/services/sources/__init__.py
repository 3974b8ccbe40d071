"""What starts a message: the site's publish hook and front matter, publishing, meetings,
announcements, digests."""
