package ollamatest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/ollama/ollama/fs/ggml"
)

// TestWriteTinyModel checks the file with Ollama's own GGUF decoder, without
// a server: the metadata Ollama shows, the tensors llama.cpp's llama loader
// requires, and a vocabulary llama.cpp accepts.
func TestWriteTinyModel(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "tiny.gguf")
	if err := WriteTinyModel(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 1<<20 {
		t.Errorf("model is %d bytes, want under 1 MiB", len(data))
	}

	again := filepath.Join(dir, "again.gguf")
	if err := WriteTinyModel(again); err != nil {
		t.Fatal(err)
	}
	if data2, _ := os.ReadFile(again); !bytes.Equal(data, data2) {
		t.Error("two writes differ; the model must be deterministic")
	}

	f, err := ggml.Decode(bytes.NewReader(data), -1)
	if err != nil {
		t.Fatalf("ollama cannot decode the model: %v", err)
	}
	kv := f.KV()
	if got := kv.Architecture(); got != "llama" {
		t.Errorf("architecture = %q, want llama", got)
	}
	if got := kv.ContextLength(); got != ContextLength {
		t.Errorf("context length = %d, want %d", got, ContextLength)
	}
	if got := kv.BlockCount(); got != blockCount {
		t.Errorf("block count = %d, want %d", got, blockCount)
	}

	tokens := kv.Strings("tokenizer.ggml.tokens")
	if n := len(kv.Floats("tokenizer.ggml.scores")); n != len(tokens) {
		t.Errorf("%d scores for %d tokens", n, len(tokens))
	}
	if n := len(kv.Ints("tokenizer.ggml.token_type")); n != len(tokens) {
		t.Errorf("%d token types for %d tokens", n, len(tokens))
	}
	seen := map[string]bool{}
	for _, tok := range tokens {
		if seen[tok] {
			t.Errorf("duplicate token %q (llama.cpp aborts on these)", tok)
		}
		seen[tok] = true
	}
	for c := byte('!'); c <= '~'; c++ {
		if !seen[string(c)] {
			t.Errorf("no token for %q", c)
		}
	}
	if !seen[spaceMarker] || !seen["<0x0A>"] {
		t.Error("vocabulary lacks the space marker or the newline byte")
	}

	want := []string{"token_embd.weight", "output_norm.weight", "output.weight"}
	for i := range blockCount {
		for _, n := range []string{"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
			"ffn_norm", "ffn_gate", "ffn_up", "ffn_down"} {
			want = append(want, "blk."+string(rune('0'+i))+"."+n+".weight")
		}
	}
	have := map[string]bool{}
	for _, tt := range f.Tensors().Items() {
		have[tt.Name] = true
	}
	for _, n := range want {
		if !have[n] {
			t.Errorf("missing tensor %s", n)
		}
	}
	if len(have) != len(want) {
		t.Errorf("%d tensors, want %d", len(have), len(want))
	}
	t.Logf("model: %d bytes, %d tokens", len(data), len(tokens))
}

func TestFloat32ToF16(t *testing.T) {
	tests := []struct {
		in   float32
		want uint16
	}{
		{0, 0x0000},
		{1, 0x3c00},
		{-2, 0xc000},
		{0.5, 0x3800},
		{65504, 0x7bff},
		{1e6, 0x7c00},
		{0.1, 0x2e66},
		{5.960464477539063e-08, 0x0001}, // smallest subnormal
		{6.103515625e-05, 0x0400},       // smallest normal
	}
	for _, tt := range tests {
		if got := float32ToF16(tt.in); got != tt.want {
			t.Errorf("float32ToF16(%g) = %#04x, want %#04x", tt.in, got, tt.want)
		}
	}
}
