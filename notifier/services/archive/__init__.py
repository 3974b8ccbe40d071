"""The members' archive: every bulk email a network sent, kept without any reader's personalisation,
read and searched by the people it was sent to after an emailed sign-in, and by its admins."""
