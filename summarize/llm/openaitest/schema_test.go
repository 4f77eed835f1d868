package openaitest_test

import (
	"encoding/json"
	"strings"
	"testing"

	"precis/summarize/llm/openaitest"
)

func TestInstance(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		want   string
	}{
		{"points", pointsSchema, `{"points":[{"pages":[4,7],"text":"openaitest reply text","topic":"openaitest r"},{"pages":[4,7],"text":"openaitest reply text","topic":"openaitest r"}]}`},
		{"min items and min length", `{"type":"array","minItems":3,"items":{"type":"string","minLength":25}}`,
			`["openaitest reply textxxxx","openaitest reply textxxxx","openaitest reply textxxxx"]`},
		{"max items 0", `{"type":"array","maxItems":0,"items":{"type":"string"}}`, `[]`},
		{"unique enum items", `{"type":"array","minItems":1,"maxItems":5,"uniqueItems":true,"items":{"enum":["a"]}}`, `["a"]`},
		{"numbers in bounds", `{"type":"object","properties":{"i":{"type":"integer","minimum":10},"j":{"type":"integer","exclusiveMaximum":0},"x":{"type":"number","maximum":0.25}}}`,
			`{"i":10,"j":-1,"x":0.25}`},
		{"ref, anyOf, nullable, const", `{"$defs":{"p":{"type":"object","properties":{"n":{"anyOf":[{"type":"integer","enum":[9]},{"type":"null"}]},"k":{"const":"fixed"},"s":{"type":["null","string"],"maxLength":4}}}},"$ref":"#/$defs/p"}`,
			`{"k":"fixed","n":9,"s":"open"}`},
		{"allOf merged", `{"allOf":[{"type":"object","properties":{"a":{"type":"boolean"}}},{"properties":{"b":{"type":"string","format":"date"}}}]}`,
			`{"a":true,"b":"2024-01-31"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := openaitest.Instance(json.RawMessage(tt.schema))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("instance\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	if _, err := openaitest.Instance(json.RawMessage(`{"$ref":"other.json#/x"}`)); err == nil {
		t.Error("a remote $ref gave no error")
	}
	if _, err := openaitest.Instance(json.RawMessage(`{"type":`)); err == nil {
		t.Error("a broken schema gave no error")
	}
}

func TestCheckStrict(t *testing.T) {
	ok := `{"type":"object","properties":{"points":{"type":"array","maxItems":3,"items":{"type":"object","properties":{"text":{"type":"string","description":"At most 40 characters."},"pages":{"type":"array","minItems":1,"items":{"type":"integer","enum":[1,2]}}},"required":["text","pages"],"additionalProperties":false}}},"required":["points"],"additionalProperties":false}`
	if err := openaitest.CheckStrict(json.RawMessage(ok)); err != nil {
		t.Errorf("a strict schema was refused: %v", err)
	}
	tests := []struct{ name, schema, want string }{
		{"maxLength", strings.Replace(ok, `"description":"At most 40 characters."`, `"maxLength":40`, 1), `"maxLength" is not permitted`},
		{"no additionalProperties", pointsSchema, "additionalProperties"},
		{"optional property", `{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"string"}},"required":["a"],"additionalProperties":false}`, `"b" is missing`},
		{"array root", `{"type":"array","items":{"type":"string"}}`, "root"},
		{"oneOf", `{"type":"object","properties":{"a":{"oneOf":[{"type":"string"}]}},"required":["a"],"additionalProperties":false}`, `"oneOf" is not permitted`},
	}
	for _, tt := range tests {
		err := openaitest.CheckStrict(json.RawMessage(tt.schema))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}
