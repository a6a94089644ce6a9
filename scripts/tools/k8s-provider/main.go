package main

import (
	_ "embed"
	"encoding/json"
	"log"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var schemaJSON []byte

//go:embed terraform-mapping.json
var mappingJSON []byte

func main() {
	var spec map[string]any
	if err := json.Unmarshal(schemaJSON, &spec); err != nil {
		log.Fatalf("cannot parse embedded schema: %v", err)
	}
	spec["version"] = version.Version
	s, err := json.Marshal(spec)
	if err != nil {
		log.Fatal(err)
	}
	var mapping any
	if err := json.Unmarshal(mappingJSON, &mapping); err != nil {
		log.Fatalf("cannot parse embedded terraform mapping: %v", err)
	}
	m, err := json.Marshal(mapping)
	if err != nil {
		log.Fatal(err)
	}
	provider.Serve("kubernetes", version.Version, s, m)
}
