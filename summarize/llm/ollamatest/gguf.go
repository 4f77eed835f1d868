package ollamatest

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// GGUF value types, from the GGUF specification (ggml/docs/gguf.md).
const (
	ggufTypeUint32  uint32 = 4
	ggufTypeInt32   uint32 = 5
	ggufTypeFloat32 uint32 = 6
	ggufTypeBool    uint32 = 7
	ggufTypeString  uint32 = 8
	ggufTypeArray   uint32 = 9
)

// ggml tensor types used by the tiny model.
const (
	ggmlTypeF32 uint32 = 0
	ggmlTypeF16 uint32 = 1
)

// ggufAlignment is the default general.alignment of GGUF files.
const ggufAlignment = 32

// ggufKV is one metadata key/value pair. Value is one of uint32, int32,
// float32, bool, string, []string, []float32 or []int32.
type ggufKV struct {
	key   string
	value any
}

// ggufTensor is one tensor: dims are ggml's ne (innermost first), data is
// already encoded in typ.
type ggufTensor struct {
	name string
	dims []uint64
	typ  uint32
	data []byte
}

// ggufFile is a GGUF version 3 file in memory.
type ggufFile struct {
	kvs     []ggufKV
	tensors []ggufTensor
}

func (f *ggufFile) add(key string, value any) { f.kvs = append(f.kvs, ggufKV{key, value}) }

// addF32 adds a tensor stored as float32.
func (f *ggufFile) addF32(name string, values []float32, dims ...uint64) {
	data := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
	}
	f.tensors = append(f.tensors, ggufTensor{name, dims, ggmlTypeF32, data})
}

// addF16 adds a tensor stored as IEEE half precision.
func (f *ggufFile) addF16(name string, values []float32, dims ...uint64) {
	data := make([]byte, 2*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint16(data[2*i:], float32ToF16(v))
	}
	f.tensors = append(f.tensors, ggufTensor{name, dims, ggmlTypeF16, data})
}

// write encodes the file: header, metadata, tensor infos, padding, data.
func (f *ggufFile) write(w io.Writer) error {
	e := &ggufEncoder{w: bufio.NewWriter(w)}
	e.bytes([]byte("GGUF"))
	e.u32(3)
	e.u64(uint64(len(f.tensors)))
	e.u64(uint64(len(f.kvs)))
	for _, kv := range f.kvs {
		e.str(kv.key)
		e.value(kv.key, kv.value)
	}
	var offset uint64
	for _, t := range f.tensors {
		e.str(t.name)
		e.u32(uint32(len(t.dims)))
		for _, d := range t.dims {
			e.u64(d)
		}
		e.u32(t.typ)
		e.u64(offset)
		offset = alignUp(offset+uint64(len(t.data)), ggufAlignment)
	}
	e.pad()
	for _, t := range f.tensors {
		e.bytes(t.data)
		e.pad()
	}
	if e.err != nil {
		return e.err
	}
	return e.w.Flush()
}

func alignUp(n, align uint64) uint64 { return (n + align - 1) / align * align }

// ggufEncoder writes little-endian GGUF primitives and keeps the first error.
type ggufEncoder struct {
	w   *bufio.Writer
	n   uint64
	err error
}

func (e *ggufEncoder) bytes(b []byte) {
	if e.err != nil {
		return
	}
	n, err := e.w.Write(b)
	e.n += uint64(n)
	e.err = err
}

func (e *ggufEncoder) u32(v uint32) { e.bytes(binary.LittleEndian.AppendUint32(nil, v)) }
func (e *ggufEncoder) u64(v uint64) { e.bytes(binary.LittleEndian.AppendUint64(nil, v)) }

func (e *ggufEncoder) str(s string) {
	e.u64(uint64(len(s)))
	e.bytes([]byte(s))
}

// pad writes zero bytes up to the next alignment boundary.
func (e *ggufEncoder) pad() {
	if rest := alignUp(e.n, ggufAlignment) - e.n; rest > 0 {
		e.bytes(make([]byte, rest))
	}
}

func (e *ggufEncoder) value(key string, v any) {
	switch v := v.(type) {
	case uint32:
		e.u32(ggufTypeUint32)
		e.u32(v)
	case int32:
		e.u32(ggufTypeInt32)
		e.u32(uint32(v))
	case float32:
		e.u32(ggufTypeFloat32)
		e.u32(math.Float32bits(v))
	case bool:
		e.u32(ggufTypeBool)
		if v {
			e.bytes([]byte{1})
		} else {
			e.bytes([]byte{0})
		}
	case string:
		e.u32(ggufTypeString)
		e.str(v)
	case []string:
		e.arrayHeader(ggufTypeString, len(v))
		for _, s := range v {
			e.str(s)
		}
	case []float32:
		e.arrayHeader(ggufTypeFloat32, len(v))
		for _, f := range v {
			e.u32(math.Float32bits(f))
		}
	case []int32:
		e.arrayHeader(ggufTypeInt32, len(v))
		for _, i := range v {
			e.u32(uint32(i))
		}
	default:
		if e.err == nil {
			e.err = fmt.Errorf("gguf: key %q: unsupported value type %T", key, v)
		}
	}
}

func (e *ggufEncoder) arrayHeader(elem uint32, n int) {
	e.u32(ggufTypeArray)
	e.u32(elem)
	e.u64(uint64(n))
}

// float32ToF16 converts to IEEE 754 half precision, rounding to nearest even.
// The tiny model's weights are small normal numbers, but the conversion is
// complete (subnormals, overflow to infinity, NaN) so no value is mangled.
func float32ToF16(f float32) uint16 {
	bits := math.Float32bits(f)
	sign := uint16(bits>>16) & 0x8000
	exp := int32(bits>>23&0xff) - 127 + 15
	mant := bits & 0x7fffff
	switch {
	case bits&0x7fffffff > 0x7f800000: // NaN
		return sign | 0x7e00
	case exp >= 0x1f: // overflow or infinity
		return sign | 0x7c00
	case exp <= 0: // subnormal half or zero
		if exp < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint32(14 - exp)
		half := mant >> shift
		rem := mant & (1<<shift - 1)
		halfway := uint32(1) << (shift - 1)
		if rem > halfway || (rem == halfway && half&1 == 1) {
			half++
		}
		return sign | uint16(half)
	}
	half := uint32(exp)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && half&1 == 1) {
		half++ // may carry into the exponent, which is still correct
	}
	return sign | uint16(half)
}
