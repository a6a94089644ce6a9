package health

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
)

// RedisPing returns a probe that opens a TCP connection to addr, authenticates when password is
// set, and expects +PONG to PING, over the RESP protocol. A full client library would be more
// code than the service's use of Redis (none beyond this check) warrants.
func RedisPing(addr, password string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		defer conn.Close()
		if deadline, ok := ctx.Deadline(); ok {
			_ = conn.SetDeadline(deadline)
		}
		rd := bufio.NewReader(conn)
		if password != "" {
			if err := command(conn, rd, "+OK", "AUTH", password); err != nil {
				return fmt.Errorf("redis AUTH: %w", err)
			}
		}
		if err := command(conn, rd, "+PONG", "PING"); err != nil {
			return fmt.Errorf("redis PING: %w", err)
		}
		return nil
	}
}

// command sends args as a RESP array of bulk strings and compares the one-line reply with want.
// Error replies (-NOAUTH, -WRONGPASS, ...) never echo the password, so they are safe to return.
func command(conn net.Conn, rd *bufio.Reader, want string, args ...string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write([]byte(b.String())); err != nil {
		return err
	}
	line, err := rd.ReadString('\n')
	if err != nil {
		return err
	}
	line = strings.TrimRight(line, "\r\n")
	if line != want {
		if strings.HasPrefix(line, "-") {
			return errors.New(strings.TrimPrefix(line, "-"))
		}
		return fmt.Errorf("unexpected reply %q", line)
	}
	return nil
}
