#!/usr/bin/python3
"""Send raw Ethernet frames from eth0: sendframes.py DST SRC COUNT.

The broken host of the lab: an appliance whose driver sends every frame
with the source MAC it was given, here 0000.0000.0000. Standard library
only (AF_PACKET), so any Python 3 will do.
"""
import socket
import sys
import time


def mac(text):
    return bytes.fromhex(text.replace(".", "").replace(":", "").replace("-", ""))


dst, src, count = mac(sys.argv[1]), mac(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
# EtherType 0x88b5: IEEE local experimental, which no host stack answers.
payload = b"l2sw lab: zero source mac".ljust(46, b"\0")
for _ in range(count):
    s.send(dst + src + b"\x88\xb5" + payload)
    time.sleep(0.05)
print("sent %d frames from %s to %s" % (count, sys.argv[2], sys.argv[1]))
