"""What a student handed in: find each role's program in a folder, a .py file or a lab report; copy it."""
