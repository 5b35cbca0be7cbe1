"""The recruiter agent: an offline command parser, conversations that remember, and tools."""
