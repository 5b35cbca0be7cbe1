"""Intake: text out of uploaded files, and the fields of a job or a candidate out of text."""
