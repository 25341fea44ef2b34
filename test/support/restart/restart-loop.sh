#!/bin/sh
# Stands in for systemd itself in the socket-activation scenario: systemd-socket-activate opened the
# sockets and passed them here by systemd's protocol (fds 3 and 4, LISTEN_FDNAMES app:admin); this
# shell holds them, as PID 1 holds a .socket unit's, and starts the service again each time it exits,
# as `systemctl restart` would, until the file named by RESTART_LOOP_STOP exists. LISTEN_PID must be
# the service's own pid: the inner shell sets it to its own and execs the service, which keeps it.
while :; do
  sh -c 'LISTEN_PID=$$ exec "$@"' sh "$@"
  [ -e "$RESTART_LOOP_STOP" ] && exit 0
done
