"""Running a lab's checks: the runner, the pytest glue, sessions, dependencies and diagnoses."""
