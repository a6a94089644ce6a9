package logging

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/go-service-stack/examples/go-service/internal/config"
)

func TestFormatAndLevel(t *testing.T) {
	var b bytes.Buffer
	log := NewTo(&b, config.LoggingConfig{Level: slog.LevelWarn, Format: "json"})
	log.Info("hidden")
	log.Warn("shown", "k", "v")
	var line map[string]any
	if err := json.Unmarshal(b.Bytes(), &line); err != nil || line["msg"] != "shown" || line["level"] != "WARN" {
		t.Errorf("json at warn: %q (%v)", b.String(), err)
	}

	b.Reset()
	NewTo(&b, config.LoggingConfig{Level: slog.LevelDebug, Format: "text"}).Debug("visible")
	if !strings.Contains(b.String(), "level=DEBUG msg=visible") {
		t.Errorf("text at debug: %q", b.String())
	}
}
