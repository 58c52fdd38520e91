package ppp_test

import (
	"errors"
	"fmt"

	"github.com/loopbrug/paspoort/credentials/ppp"
)

func ExampleValidate() {
	claims := []byte(`{
		"skill": "http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b",
		"skill_label": "give constructive feedback",
		"proficiency": 6,
		"assessed_on": "2025-09-15",
		"method": "assessment"
	}`)
	err := ppp.Validate(ppp.TypeSkill, claims)
	var ve *ppp.ValidationError
	if errors.As(err, &ve) {
		for _, f := range ve.Fields {
			fmt.Printf("%s: %s\n", f.Pointer, f.Reason)
		}
	}
	fmt.Println(errors.Is(err, ppp.ErrInvalidClaims))
	// Output:
	// /proficiency: maximum: got 6, want 5
	// true
}

func ExampleSearchSkills() {
	for _, s := range ppp.SearchSkills("initiatief", 2) {
		fmt.Printf("%s | %s\n", s.Label("nl"), s.Label("en"))
	}
	// Output:
	// initiatief aan de dag leggen | show initiative
}

func ExampleLookup() {
	t, _ := ppp.Lookup("level")
	fmt.Println(t.VCT)
	fmt.Println(t.Block.Name("nl"))
	// Output:
	// https://paspoort.loopbrug.nl/vct/level/v1
	// Werk- en denkniveau
}
