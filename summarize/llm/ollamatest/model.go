package ollamatest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// ContextLength is the tiny model's llama.context_length, which /api/show
// reports in model_info; Ollama lowers a larger num_ctx to it.
const ContextLength = 4096

// Shape of the tiny model.
const (
	embedDim   = 64
	blockCount = 2
	headCount  = 4
	headDim    = embedDim / headCount
	ffnDim     = 128
	rmsEps     = 1e-5
	seed       = 20240601
)

// Weight scales. Dimension 0 of the residual stream is a constant 1 (every
// token embedding has it and no layer writes to it), so after the final RMS
// norm it carries a fixed value and output.weight[:, 0] acts as a per-token
// logit bias (see vocabulary). The other dimensions are random and add
// context-dependent noise of roughly unit size to the logits.
const (
	embedScale  = 0.3
	layerScale  = 0.05
	outputScale = 0.13
	// biasChannel is the approximate value of dimension 0 after the final
	// norm; dividing the wanted bias by it makes logits move by that bias.
	biasChannel = 2.5
)

// WriteTinyModel writes a tiny random-weight llama model (GGUF version 3,
// F16 matrices, about 470 KB) to path. The same bytes are written every
// time. Its SentencePiece vocabulary has byte fallback, so it can spell any
// text, and every printable ASCII character is a token of its own, so
// grammar-constrained sampling (Ollama structured outputs) can emit any
// JSON document.
func WriteTinyModel(path string) error {
	f := tinyModel()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("ollamatest: write tiny model: %w", err)
	}
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("ollamatest: write tiny model: %w", err)
	}
	if err := f.write(out); err != nil {
		out.Close()
		return fmt.Errorf("ollamatest: write tiny model %s: %w", path, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("ollamatest: write tiny model %s: %w", path, err)
	}
	return nil
}

// tinyModel builds the GGUF metadata and tensors that llama.cpp's llama
// loader (llama-model.cpp, LLM_ARCH_LLAMA) reads; Ollama runs the llama
// architecture on llama.cpp, not on its own Go engine.
func tinyModel() *ggufFile {
	v := newVocabulary()
	n := uint64(v.size())
	f := &ggufFile{}
	f.add("general.architecture", "llama")
	f.add("general.name", "precis-tiny")
	f.add("general.file_type", uint32(1)) // mostly F16
	f.add("general.alignment", uint32(ggufAlignment))
	f.add("llama.context_length", uint32(ContextLength))
	f.add("llama.embedding_length", uint32(embedDim))
	f.add("llama.block_count", uint32(blockCount))
	f.add("llama.feed_forward_length", uint32(ffnDim))
	f.add("llama.attention.head_count", uint32(headCount))
	f.add("llama.attention.head_count_kv", uint32(headCount))
	f.add("llama.attention.layer_norm_rms_epsilon", float32(rmsEps))
	f.add("llama.rope.dimension_count", uint32(headDim))
	f.add("llama.rope.freq_base", float32(10000))
	f.add("llama.vocab_size", uint32(n))
	f.add("tokenizer.ggml.model", "llama")
	f.add("tokenizer.ggml.tokens", v.tokens)
	f.add("tokenizer.ggml.scores", v.scores)
	f.add("tokenizer.ggml.token_type", v.types)
	f.add("tokenizer.ggml.bos_token_id", uint32(bosID))
	f.add("tokenizer.ggml.eos_token_id", uint32(eosID))
	f.add("tokenizer.ggml.unknown_token_id", uint32(unkID))
	f.add("tokenizer.ggml.add_bos_token", true)
	f.add("tokenizer.ggml.add_eos_token", false)

	r := rand.New(rand.NewPCG(seed, seed))
	emb := normal(r, int(n)*embedDim, embedScale)
	for t := range int(n) {
		emb[t*embedDim] = 1
	}
	f.addF16("token_embd.weight", emb, embedDim, n)
	for i := range blockCount {
		blk := func(name string) string { return fmt.Sprintf("blk.%d.%s.weight", i, name) }
		f.addF32(blk("attn_norm"), ones(embedDim), embedDim)
		f.addF16(blk("attn_q"), normal(r, embedDim*embedDim, layerScale), embedDim, embedDim)
		f.addF16(blk("attn_k"), normal(r, embedDim*embedDim, layerScale), embedDim, embedDim)
		f.addF16(blk("attn_v"), normal(r, embedDim*embedDim, layerScale), embedDim, embedDim)
		// Row 0 of the matrices that write to the residual stream is zero,
		// which keeps the bias channel constant.
		wo := normal(r, embedDim*embedDim, layerScale)
		clear(wo[:embedDim])
		f.addF16(blk("attn_output"), wo, embedDim, embedDim)
		f.addF32(blk("ffn_norm"), ones(embedDim), embedDim)
		f.addF16(blk("ffn_gate"), normal(r, embedDim*ffnDim, layerScale), embedDim, ffnDim)
		f.addF16(blk("ffn_up"), normal(r, embedDim*ffnDim, layerScale), embedDim, ffnDim)
		down := normal(r, ffnDim*embedDim, layerScale)
		clear(down[:ffnDim])
		f.addF16(blk("ffn_down"), down, ffnDim, embedDim)
	}
	f.addF32("output_norm.weight", ones(embedDim), embedDim)
	out := normal(r, int(n)*embedDim, outputScale)
	for t := range int(n) {
		out[t*embedDim] = v.bias[t] / biasChannel
	}
	f.addF16("output.weight", out, embedDim, n)
	return f
}

// normal returns n samples of a normal distribution with mean 0.
func normal(r *rand.Rand, n int, stddev float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64() * stddev)
	}
	return s
}

func ones(n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = 1
	}
	return s
}
