package storage

import (
	"errors"
	"fmt"
)

// Error codes, after benbjohnson/wtf. The HTTP layer maps them to status codes.
const (
	ECONFLICT = "conflict"  // the action does not fit the object's current state
	EINTERNAL = "internal"  // a bug or an I/O failure; details are logged, not shown
	EINVALID  = "invalid"   // the input is wrong
	ENOTFOUND = "not_found" // the object does not exist
)

// Error is an application error whose Message can be shown to the user.
type Error struct {
	// Code is one of the E* constants.
	Code string
	// Message is a human-readable, user-facing explanation.
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("precis error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for a nil
// error and EINTERNAL for any other error.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of the first *Error in err's
// chain, "" for a nil error and "Internal error." for any other error.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
