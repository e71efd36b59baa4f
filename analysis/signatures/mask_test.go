package signatures

import (
	"strings"
	"testing"
)

func TestMaskLine(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, line, want string }{
		{
			"apache error log, leading timestamp dropped",
			`[Wed Nov 25 19:18:38.507045 2026] [authz_core:error] [pid 9:tid 139872418350080] [client 10.42.2.9:60203] AH01630: client denied by server configuration: /var/www/html/config.json`,
			`[authz_core:error] [pid <NUM>:tid <NUM>] [client <IP>] AH01630: client denied by server configuration: /var/www/html/config.json`,
		},
		{
			"single-quoted value and version number",
			`[Wed Nov 25 19:17:00.412401 2026] [core:notice] [pid 1:tid 139872391817088] AH00094: Command line: 'httpd -D FOREGROUND'`,
			`[core:notice] [pid <NUM>:tid <NUM>] AH00094: Command line: '<STR>'`,
		},
		{
			"ip with port, host:port, errno in parentheses",
			`[Wed Nov 25 19:46:13.158677 2026] [proxy:error] [pid 10:tid 139872406767168] (111)Connection refused: AH00957: http: attempt to connect to 10.43.12.7:8080 (api.shop.svc.cluster.local:8080) failed`,
			`[proxy:error] [pid <NUM>:tid <NUM>] (<NUM>)Connection refused: AH00957: http: attempt to connect to <IP> (api.shop.svc.cluster.local:<NUM>) failed`,
		},
		{
			"access log: inline timestamp, quoted request",
			`10.42.0.15 - - [25/Nov/2026:19:17:03 +0000] "GET / HTTP/1.1" 200 4211 "-" "Mozilla/5.0 (X11)" 1210`,
			`<IP> - - [<TS>] "<STR>" <NUM> <NUM> "<STR>" "<STR>" <NUM>`,
		},
		{
			"iso timestamp, uuid, duration, ipv6, hex, path id, key=value, apostrophe",
			`2026-11-25T19:17:03.123Z ERROR request 3f2504e0-4f89-11d3-9a0c-0305e82c3301 failed after 12ms from fe80::1ff:fe23:4567:890a and ::1 at 0xdeadBEEF in /tmp/session_8f3kd92x/data user=42 don't 'x y'`,
			`ERROR request <UUID> failed after <NUM> from <IP> and <IP> at <HEX> in /tmp/<*>/data user=<NUM> don't '<STR>'`,
		},
		{
			"hashed asset name and query string",
			`GET /assets/app.9c1e.js?v=3&t=17 failed: no such file`,
			`GET /assets/app.<HEX>.js?<*> failed: no such file`,
		},
		{
			"words without digits stay, codes stay",
			`cafe deadbeef ORA-00942: table or view does not exist`,
			`cafe deadbeef ORA-00942: table or view does not exist`,
		},
		{
			"syslog timestamp, control characters",
			"Nov 25 19:17:03 host kernel:\tout of\x00memory",
			`host kernel: out of memory`,
		},
		{"empty", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := MaskLine(c.line); got != c.want {
				t.Errorf("MaskLine(%q)\n got %q\nwant %q", c.line, got, c.want)
			}
		})
	}
}

func TestMaskLineBoundsLongLines(t *testing.T) {
	t.Parallel()
	long := "error " + strings.Repeat("x", 10000) + " tail"
	got := MaskLine(long)
	if len(got) > maxMaskedBytes || strings.Contains(got, "tail") {
		t.Errorf("a %d-byte line masked to %d bytes", len(long), len(got))
	}
}

func TestCleanExample(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, line string
		max        int
		want       string
	}{
		{"control characters", "a\tb\r\nc\x1b[31md\x00e", 0, "a b  c [31md e"},
		{"invalid utf-8", "bad \xff byte", 0, "bad \uFFFD byte"},
		{"line separator", "x\u2028y", 0, "x y"},
		{"cut", "0123456789", 5, "0123…"},
		{"cut counts runes", "ääääääää", 4, "äää…"},
		{"fits", "0123456789", 10, "0123456789"},
		{"default 300", strings.Repeat("a", 400), 0, strings.Repeat("a", 299) + "…"},
		{"trimmed", "  x  ", 0, "x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := CleanExample(c.line, c.max); got != c.want {
				t.Errorf("CleanExample(%q, %d) = %q, want %q", c.line, c.max, got, c.want)
			}
		})
	}
}
