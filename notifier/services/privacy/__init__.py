"""What the privacy notice promises: retention and its report, rights requests and exports, erasure,
the contact form."""
