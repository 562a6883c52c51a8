"""Every chart of the book and its house style."""
