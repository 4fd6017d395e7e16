"""What a reader sees: the HTML report, in text and in a browser."""
