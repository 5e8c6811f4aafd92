"""Hostile: asks for 4 GiB before it listens (the memory limit refuses it; bounded if no limit applied)."""
import chatcore

hoard = bytearray(4 << 30)
chatcore.run()
