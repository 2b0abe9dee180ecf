"""Media I/O at the edges: sources and feeds, the overlay, the video writer, window, voice."""
