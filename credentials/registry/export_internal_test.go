package registry_test

import (
	"encoding/json"

	"github.com/loopbrug/paspoort/credentials/registry"
)

func marshalNoValidate(d *registry.Document) ([]byte, error) { return json.Marshal(d) }
