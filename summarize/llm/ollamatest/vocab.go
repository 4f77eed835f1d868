package ollamatest

import (
	"fmt"
	"strings"
)

// SentencePiece token types, as llama.cpp reads tokenizer.ggml.token_type.
const (
	tokenNormal  int32 = 1
	tokenUnknown int32 = 2
	tokenControl int32 = 3
	tokenByte    int32 = 6
)

// spaceMarker is SentencePiece's stand-in for a space ("▁", U+2581).
const spaceMarker = "\u2581"

// Special token ids of the tiny vocabulary (SentencePiece defaults).
const (
	unkID = 0
	bosID = 1
	eosID = 2
)

// vocabWords are whole words the tiny model can emit as single tokens. Every
// prefix of "▁"+word is a token too, so SentencePiece merges prompts into
// words instead of one token per character.
var vocabWords = strings.Fields(`
	the of and to in a is that for it as with be on not this by are or
	from at an which have has was were will shall may must can any all each
	no such other than if then when where who whom its their his her they we
	you our your he she them us do does did done but so also only into upon
	under over after before between within without about against during
	party parties agreement contract clause section term terms notice days
	date effective payment pay paid fee fees price invoice amount total
	due late interest rate tax taxes cost costs expense expenses sum cash
	buyer seller supplier customer client vendor company licensor licensee
	landlord tenant lease rent premises property goods services work
	deliver delivery ship shipment order orders purchase sale warranty
	liability liable damages loss indemnify indemnity limit limitation cap
	breach default cure remedy remedies terminate termination renew renewal
	expire expiry period year years month months week law laws governing
	court courts dispute arbitration confidential information disclose
	data privacy security consent assign assignment transfer waiver force
	majeure insurance audit records report reports right rights obligation
	obligations duty duties written writing prior reasonable best efforts
	material change changes scope schedule exhibit annex page pages summary
	point points text risk risks key note notes yes one two three four five
	ten thirty sixty ninety hundred percent per annual monthly net gross
	`)

// vocabulary is a SentencePiece ("llama") vocabulary with byte fallback,
// plus a per-token logit bias that the model bakes into its output layer.
type vocabulary struct {
	tokens []string
	scores []float32
	types  []int32
	bias   []float32
	ids    map[string]int
}

// Logit biases. Whole words win by default, which keeps generated text
// readable; bytes (control characters, partial UTF-8), the backslash (JSON
// escapes) and whitespace-only tokens are unlikely, so grammar-constrained
// output stays short: a JSON string grows word by word to its maxLength,
// and after the closing brace end-of-sequence beats any whitespace.
const (
	biasWord     = 4
	biasPrefix   = 0.5
	biasChar     = 1
	biasSymbol   = 0
	biasEOS      = 0
	biasSpace    = -2
	biasUnlikely = -10
)

// newVocabulary builds the vocabulary. It panics if a token repeats:
// llama.cpp aborts the whole server on a vocabulary with duplicates.
func newVocabulary() *vocabulary {
	v := &vocabulary{ids: map[string]int{}}
	v.add("<unk>", 0, tokenUnknown, biasUnlikely)
	v.add("<s>", 0, tokenControl, biasUnlikely)
	v.add("</s>", 0, tokenControl, biasEOS)
	for b := 0; b < 256; b++ {
		v.add(fmt.Sprintf("<0x%02X>", b), 0, tokenByte, biasUnlikely)
	}
	// Printable ASCII except the space, which SentencePiece spells "▁".
	for c := byte('!'); c <= '~'; c++ {
		bias := float32(biasSymbol)
		switch {
		case c == '\\':
			bias = biasUnlikely
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			strings.IndexByte(`{}[]":,.`, c) >= 0:
			bias = biasChar
		}
		v.add(string(c), 0, tokenNormal, bias)
	}
	v.add(spaceMarker, 0, tokenNormal, biasSpace)
	for _, w := range vocabWords {
		for n := 1; n <= len(w); n++ {
			piece := spaceMarker + w[:n]
			if _, ok := v.ids[piece]; ok {
				continue
			}
			// Longer pieces merge first, as in a trained SentencePiece model.
			v.add(piece, float32(n), tokenNormal, biasPrefix)
		}
	}
	// A word may first have been added as a prefix of a longer one.
	for _, w := range vocabWords {
		v.bias[v.ids[spaceMarker+w]] = biasWord
	}
	return v
}

func (v *vocabulary) add(token string, score float32, typ int32, bias float32) {
	if _, ok := v.ids[token]; ok {
		panic("ollamatest: duplicate token " + token)
	}
	v.ids[token] = len(v.tokens)
	v.tokens = append(v.tokens, token)
	v.scores = append(v.scores, score)
	v.types = append(v.types, typ)
	v.bias = append(v.bias, bias)
}

// size is the number of tokens.
func (v *vocabulary) size() int { return len(v.tokens) }
