package llm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// schemaFor is the schema sent for a request's schema and whether it goes with strict=true.
//
// OpenAI enforces a schema only in strict mode, and strict mode accepts a subset of JSON
// schema (its "Supported schemas" guide): every object needs "additionalProperties": false
// and every property listed in "required"; minLength, maxLength, default, uniqueItems and
// the like are refused. strictSchema fits a schema to that subset. A schema it cannot fit
// without changing its meaning goes unchanged with strict=false, as does every schema with
// FullSchema set (servers such as vLLM enforce the whole schema whatever strict says).
func (o *OpenAI) schemaFor(schema json.RawMessage) (json.RawMessage, bool, error) {
	if !json.Valid(schema) {
		return nil, false, fmt.Errorf("llm: the request's JSON schema is not valid JSON")
	}
	if o.cfg.FullSchema {
		return schema, false, nil
	}
	root, err := decodeOrdered(json.NewDecoder(bytes.NewReader(schema)))
	if err != nil {
		return nil, false, fmt.Errorf("llm: reading the request's JSON schema: %w", err)
	}
	obj, ok := root.(jsonObject)
	if !ok || schemaType(obj) != "object" {
		return schema, false, nil // strict mode wants an object at the root
	}
	fitted, ok := strictSchema(obj)
	if !ok {
		return schema, false, nil
	}
	b, err := json.Marshal(fitted)
	return b, true, err
}

// Keywords strictSchema keeps as they are, and keywords it drops because they only narrow
// what is valid (a reply valid without them may be too long, never malformed). minLength
// and maxLength are restated in the description, which the model reads. Any other keyword
// (oneOf, allOf, not, patternProperties, prefixItems, ...) makes the schema unfit for strict.
var (
	strictKept = map[string]bool{
		"type": true, "required": true, "enum": true, "const": true, "$ref": true, "description": true,
		"title": true, "pattern": true, "format": true, "minimum": true, "maximum": true,
		"exclusiveMinimum": true, "exclusiveMaximum": true, "multipleOf": true, "minItems": true, "maxItems": true,
	}
	strictDropped = map[string]bool{
		"default": true, "examples": true, "uniqueItems": true, "$schema": true, "$id": true, "$comment": true,
		"minProperties": true, "maxProperties": true, "contentMediaType": true, "contentEncoding": true,
		"readOnly": true, "writeOnly": true, "deprecated": true,
	}
)

// strictSchema fits one schema object to OpenAI's strict subset, keeping the order of its
// keys (the model writes properties in the order the schema gives them).
func strictSchema(s jsonObject) (jsonObject, bool) {
	var (
		out     jsonObject
		notes   []string
		props   jsonObject
		hasAP   bool
		descIdx = -1
	)
	for _, m := range s {
		switch k := m.Key; {
		case k == "properties":
			p, ok := m.Value.(jsonObject)
			if !ok {
				return nil, false
			}
			fitted, ok := fitEach(p)
			if !ok {
				return nil, false
			}
			props = fitted
			out = append(out, jsonMember{k, fitted})
		case k == "$defs" || k == "definitions":
			defs, ok := m.Value.(jsonObject)
			if !ok {
				return nil, false
			}
			fitted, ok := fitEach(defs)
			if !ok {
				return nil, false
			}
			out = append(out, jsonMember{k, fitted})
		case k == "items":
			item, ok := m.Value.(jsonObject)
			if !ok {
				return nil, false // tuple or boolean items
			}
			fitted, ok := strictSchema(item)
			if !ok {
				return nil, false
			}
			out = append(out, jsonMember{k, fitted})
		case k == "anyOf":
			alts, ok := m.Value.([]any)
			if !ok {
				return nil, false
			}
			fitted := make([]any, len(alts))
			for i, a := range alts {
				obj, ok := a.(jsonObject)
				if !ok {
					return nil, false
				}
				if fitted[i], ok = strictSchema(obj); !ok {
					return nil, false
				}
			}
			out = append(out, jsonMember{k, fitted})
		case k == "additionalProperties":
			if m.Value != false {
				return nil, false
			}
			hasAP = true
			out = append(out, m)
		case k == "minLength":
			notes = append(notes, fmt.Sprintf("At least %v characters.", m.Value))
		case k == "maxLength":
			notes = append(notes, fmt.Sprintf("At most %v characters.", m.Value))
		case k == "description":
			descIdx = len(out)
			out = append(out, m)
		case strictKept[k]:
			out = append(out, m)
		case strictDropped[k]:
		default:
			return nil, false
		}
	}
	if props != nil || schemaType(s) == "object" {
		required := map[string]bool{}
		for _, m := range s {
			if list, ok := m.Value.([]any); ok && m.Key == "required" {
				for _, r := range list {
					if name, ok := r.(string); ok {
						required[name] = true
					}
				}
			}
		}
		for _, p := range props {
			if !required[p.Key] {
				return nil, false // optional properties would become required
			}
		}
		if !hasAP {
			out = append(out, jsonMember{"additionalProperties", false})
		}
	}
	if len(notes) > 0 {
		note := strings.Join(notes, " ")
		if descIdx >= 0 {
			d, _ := out[descIdx].Value.(string)
			out[descIdx].Value = strings.TrimSpace(d + " " + note)
		} else {
			out = append(out, jsonMember{"description", note})
		}
	}
	return out, true
}

// fitEach fits every schema of a name-to-schema object (properties, $defs).
func fitEach(named jsonObject) (jsonObject, bool) {
	out := make(jsonObject, len(named))
	for i, m := range named {
		obj, ok := m.Value.(jsonObject)
		if !ok {
			return nil, false
		}
		fitted, ok := strictSchema(obj)
		if !ok {
			return nil, false
		}
		out[i] = jsonMember{m.Key, fitted}
	}
	return out, true
}

// schemaType is the schema's "type" when it is a single name, or "object" when it has
// properties and no type.
func schemaType(s jsonObject) string {
	for _, m := range s {
		if m.Key == "type" {
			t, _ := m.Value.(string)
			return t
		}
	}
	for _, m := range s {
		if m.Key == "properties" {
			return "object"
		}
	}
	return ""
}

// jsonObject is a JSON object that keeps the order of its members.
type jsonObject []jsonMember

type jsonMember struct {
	Key   string
	Value any
}

// MarshalJSON writes the members in order.
func (o jsonObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(m.Key)
		v, err := json.Marshal(m.Value)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// decodeOrdered reads one JSON value; objects become jsonObject, numbers json.Number.
func decodeOrdered(dec *json.Decoder) (any, error) {
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		var obj jsonObject
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := decodeOrdered(dec)
			if err != nil {
				return nil, err
			}
			obj = append(obj, jsonMember{k.(string), v})
		}
		_, err := dec.Token() // }
		return obj, err
	case json.Delim('['):
		arr := []any{}
		for dec.More() {
			v, err := decodeOrdered(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token() // ]
		return arr, err
	case json.Delim('}'), json.Delim(']'):
		return nil, io.ErrUnexpectedEOF
	}
	return tok, nil
}
