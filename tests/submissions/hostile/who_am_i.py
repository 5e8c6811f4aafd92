"""Hostile: says which user it runs as (inside, and outside through the uid map) and reads /etc/shadow."""
import os

import chatcore
from probe import attempt, read

attempt("uid", lambda: [os.getuid(), os.geteuid(), read("/proc/self/uid_map").decode().split()])
attempt("shadow", lambda: read("/etc/shadow"))
attempt("root_home", lambda: os.listdir("/root")[:20])
attempt("home", lambda: os.listdir("/home")[:20])
chatcore.run()
