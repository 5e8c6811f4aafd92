"""The labs shipped with the kit, one folder each; ``grader check`` grades ``DEFAULT`` unless told ``--lab``."""

DEFAULT = "chat"
