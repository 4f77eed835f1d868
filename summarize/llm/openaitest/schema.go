package openaitest

import (
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strings"
)

// Instance builds a JSON value valid against schema: every object property, arrays within
// minItems/maxItems (two items when free), strings within minLength/maxLength, numbers within
// their bounds, enum and const members (the i-th array item takes the i-th enum member, so the
// items of an array differ when the enum allows). anyOf/oneOf take their first branch, allOf
// is merged (properties joined), local $ref is followed. Not honoured: pattern, multipleOf,
// uniqueItems beyond enums, not, if/then/else.
func Instance(schema json.RawMessage) (json.RawMessage, error) {
	var root any
	if err := json.Unmarshal(schema, &root); err != nil {
		return nil, fmt.Errorf("openaitest: schema is not JSON: %w", err)
	}
	g := generator{root: root}
	v := g.value(root, 0, 0)
	if g.err != nil {
		return nil, g.err
	}
	return json.Marshal(v)
}

type generator struct {
	root any
	err  error
}

// sampleText is what strings are made of; it is cut or padded to the length limits.
const sampleText = "openaitest reply text"

func (g *generator) value(node any, index, depth int) any {
	s, ok := node.(map[string]any)
	if !ok || depth > 32 {
		return nil // true, or a schema too deep: anything goes
	}
	if ref, ok := s["$ref"].(string); ok {
		return g.value(g.resolve(ref), index, depth+1)
	}
	if c, ok := s["const"]; ok {
		return c
	}
	if enum, ok := s["enum"].([]any); ok && len(enum) > 0 {
		return enum[index%len(enum)]
	}
	for _, k := range []string{"anyOf", "oneOf"} {
		if alts, ok := s[k].([]any); ok && len(alts) > 0 {
			return g.value(alts[0], index, depth+1)
		}
	}
	if all, ok := s["allOf"].([]any); ok {
		merged := map[string]any{}
		for _, part := range append(all, without(s, "allOf")) {
			if m, ok := part.(map[string]any); ok {
				for k, v := range m {
					if props, ok := v.(map[string]any); ok && k == "properties" {
						if into, ok := merged[k].(map[string]any); ok {
							for name, p := range props {
								into[name] = p
							}
							continue
						}
						v = maps.Clone(props)
					}
					merged[k] = v
				}
			}
		}
		return g.value(merged, index, depth+1)
	}
	switch typeOf(s) {
	case "object":
		props, _ := s["properties"].(map[string]any)
		out := make(map[string]any, len(props))
		for name, p := range props {
			out[name] = g.value(p, index, depth+1)
		}
		return out
	case "array":
		n := 2
		if lo, ok := number(s, "minItems"); ok && int(lo) > n {
			n = int(lo)
		}
		if hi, ok := number(s, "maxItems"); ok && int(hi) < n {
			n = int(hi)
		}
		if items, ok := s["items"].(map[string]any); ok && s["uniqueItems"] == true {
			if enum, ok := items["enum"].([]any); ok && len(enum) < n {
				n = len(enum) // the i-th item takes the i-th member: all differ
			}
		}
		out := make([]any, 0, n)
		for i := range n {
			out = append(out, g.value(s["items"], i, depth+1))
		}
		return out
	case "string":
		return stringValue(s)
	case "integer":
		return int64(numberValue(s, 1, 1))
	case "number":
		return numberValue(s, 1.5, 0.5)
	case "boolean":
		return true
	}
	return nil
}

func (g *generator) resolve(ref string) any {
	if !strings.HasPrefix(ref, "#") {
		g.err = fmt.Errorf("openaitest: only local $ref is supported, not %q", ref)
		return nil
	}
	var node any = g.root
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#"), "/")[1:] {
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		m, ok := node.(map[string]any)
		if !ok {
			g.err = fmt.Errorf("openaitest: $ref %q does not resolve", ref)
			return nil
		}
		node = m[part]
	}
	return node
}

// typeOf is the schema's type; for a list of types the first that is not "null"; inferred
// from properties or items when absent.
func typeOf(s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		for _, v := range t {
			if name, ok := v.(string); ok && name != "null" {
				return name
			}
		}
		return "null"
	}
	if _, ok := s["properties"]; ok {
		return "object"
	}
	if _, ok := s["items"]; ok {
		return "array"
	}
	return ""
}

func stringValue(s map[string]any) string {
	text := sampleText
	switch s["format"] {
	case "date":
		text = "2024-01-31"
	case "date-time":
		text = "2024-01-31T12:00:00Z"
	case "email":
		text = "test@example.com"
	case "uri":
		text = "https://example.com/"
	}
	if hi, ok := number(s, "maxLength"); ok && int(hi) < len(text) {
		text = text[:max(0, int(hi))]
	}
	if lo, ok := number(s, "minLength"); ok && int(lo) > len(text) {
		text += strings.Repeat("x", int(lo)-len(text))
	}
	return text
}

// numberValue is def moved inside the schema's bounds; step keeps it off exclusive bounds.
func numberValue(s map[string]any, def, step float64) float64 {
	v := def
	if lo, ok := number(s, "minimum"); ok && v < lo {
		v = lo
	}
	if lo, ok := number(s, "exclusiveMinimum"); ok && v <= lo {
		v = lo + step
	}
	if hi, ok := number(s, "maximum"); ok && v > hi {
		v = hi
	}
	if hi, ok := number(s, "exclusiveMaximum"); ok && v >= hi {
		v = hi - step
	}
	return v
}

func number(s map[string]any, key string) (float64, bool) {
	f, ok := s[key].(float64)
	return f, ok
}

func without(s map[string]any, key string) map[string]any {
	out := make(map[string]any, len(s))
	for k, v := range s {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// strictKeywords are the schema keywords OpenAI's structured outputs accept with strict: true
// (its "Supported schemas" guide): the structure, descriptions, string pattern and format,
// number bounds and array length bounds. minLength, maxLength, default, uniqueItems, oneOf,
// allOf, patternProperties and the like are refused.
var strictKeywords = map[string]bool{
	"type": true, "properties": true, "required": true, "additionalProperties": true, "items": true,
	"enum": true, "const": true, "anyOf": true, "$ref": true, "$defs": true, "definitions": true,
	"description": true, "title": true, "pattern": true, "format": true,
	"minimum": true, "maximum": true, "exclusiveMinimum": true, "exclusiveMaximum": true, "multipleOf": true,
	"minItems": true, "maxItems": true,
}

// CheckStrict reports the first reason OpenAI would refuse schema in strict mode: a keyword
// outside the strict subset, an object without "additionalProperties": false, a property
// missing from "required", or a root that is not an object.
func CheckStrict(schema json.RawMessage) error {
	var root map[string]any
	if err := json.Unmarshal(schema, &root); err != nil {
		return fmt.Errorf("the schema is not a JSON object: %v", err)
	}
	if typeOf(root) != "object" {
		return fmt.Errorf("the root of the schema must be an object, not %q", typeOf(root))
	}
	return checkStrict(root, "schema")
}

func checkStrict(s map[string]any, at string) error {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !strictKeywords[k] {
			return fmt.Errorf("in %s, %q is not permitted", at, k)
		}
	}
	if props, ok := s["properties"].(map[string]any); ok || typeOf(s) == "object" {
		if ap, ok := s["additionalProperties"].(bool); !ok || ap {
			return fmt.Errorf("in %s, 'additionalProperties' is required to be supplied and to be false", at)
		}
		required := map[string]bool{}
		if list, ok := s["required"].([]any); ok {
			for _, r := range list {
				if name, ok := r.(string); ok {
					required[name] = true
				}
			}
		}
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if !required[name] {
				return fmt.Errorf("in %s, 'required' must list every property; %q is missing", at, name)
			}
			if p, ok := props[name].(map[string]any); ok {
				if err := checkStrict(p, at+".properties."+name); err != nil {
					return err
				}
			}
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		if err := checkStrict(items, at+".items"); err != nil {
			return err
		}
	}
	if alts, ok := s["anyOf"].([]any); ok {
		for i, a := range alts {
			if m, ok := a.(map[string]any); ok {
				if err := checkStrict(m, fmt.Sprintf("%s.anyOf[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	}
	for _, defsKey := range []string{"$defs", "definitions"} {
		if defs, ok := s[defsKey].(map[string]any); ok {
			for name, d := range defs {
				if m, ok := d.(map[string]any); ok {
					if err := checkStrict(m, at+"."+defsKey+"."+name); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}
