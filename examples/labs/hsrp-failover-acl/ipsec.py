#!/usr/bin/python3
"""Send IPsec-shaped traffic: ESP packets and IKE datagrams (UDP 500 and
4500) to a VPN gateway, as a client whose tunnel is up would.

ipsec.py GATEWAY COUNT
"""
import socket
import sys
import time

gw, count = sys.argv[1], int(sys.argv[2])
esp = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)  # IP protocol 50, ESP
ike = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
natt = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for seq in range(1, count + 1):
    # SPI, sequence number, then opaque ciphertext.
    esp.sendto(b"\x00\x00\x10\x01" + seq.to_bytes(4, "big") + b"\xee" * 48, (gw, 0))
    ike.sendto(b"ike keepalive %d" % seq, (gw, 500))
    natt.sendto(b"\xff", (gw, 4500))  # NAT-T keepalive
    time.sleep(0.05)
print("sent %d ESP packets and %d IKE datagrams to %s" % (count, 2 * count, gw))
