"""How Notify writes an email and its data: the template language, markdown to HTML and plain text,
personalisation sanitising, a stored email as a mail client shows it, JSON timestamps."""
