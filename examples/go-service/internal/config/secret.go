package config

import "log/slog"

// Secret is a configuration value that must never reach a log line, an error message or an HTTP
// response. Every formatting path (fmt's %v/%s/%q/%x, %#v, slog, encoding/json) prints a
// placeholder; Reveal is the one explicit way to read the value.
type Secret string

const redacted = "[REDACTED]"

// Reveal returns the secret value, for the code that actually uses it (the database driver).
func (s Secret) Reveal() string { return string(s) }

// IsSet reports whether a value was provided, without revealing it.
func (s Secret) IsSet() bool { return s != "" }

// String implements fmt.Stringer with a placeholder, so %v, %s, %q and %x never show the value.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return redacted
}

// GoString implements fmt.GoStringer, for %#v.
func (s Secret) GoString() string { return `config.Secret("` + s.String() + `")` }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalText implements encoding.TextMarshaler, which encoding/json also uses.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }
