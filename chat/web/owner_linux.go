package web

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// sameUser reports whether the other end of conn, a connection over the
// loopback interface, belongs to this process's user. The kernel lists
// every IPv4 TCP socket with its owner in /proc/net/tcp; the client's
// socket is the one whose local port is conn's remote port and whose
// remote port is conn's local port. When the table cannot be read, or the
// client is gone, the answer is no.
func sameUser(conn net.Conn) bool {
	local, ok1 := conn.LocalAddr().(*net.TCPAddr)
	remote, ok2 := conn.RemoteAddr().(*net.TCPAddr)
	if !ok1 || !ok2 {
		return false
	}
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		return false
	}
	defer f.Close()
	clientEnd := fmt.Sprintf(":%04X", remote.Port)
	serverEnd := fmt.Sprintf(":%04X", local.Port)
	uid := strconv.Itoa(os.Getuid())
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid ...
		fields := strings.Fields(lines.Text())
		if len(fields) > 7 && strings.HasSuffix(fields[1], clientEnd) && strings.HasSuffix(fields[2], serverEnd) {
			return fields[7] == uid
		}
	}
	return false
}
