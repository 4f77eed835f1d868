package policy

import (
	"crypto/rand"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// Seal encrypts an API key with the server's 32-byte secret key (XChaCha20-Poly1305, a random
// nonce per key, the provider name bound as associated data so a sealed key cannot be moved
// to another provider).
func Seal(key []byte, provider, plaintext string) ([]byte, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, []byte(plaintext), []byte(provider)), nil
}

// Unseal decrypts what Seal made for the same provider.
func Unseal(key []byte, provider string, sealed []byte) (string, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return "", fmt.Errorf("secret key: %w", err)
	}
	if len(sealed) < aead.NonceSize() {
		return "", errors.New("the stored key is damaged")
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(provider))
	if err != nil {
		return "", errors.New("the stored key cannot be decrypted with PRECIS_SECRET_KEY (was the secret key changed?)")
	}
	return string(plain), nil
}
