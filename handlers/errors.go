package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"precis/storage"
	"precis/web"
)

// statusOf maps error codes to HTTP status codes.
var statusOf = map[string]int{
	storage.EINVALID:  http.StatusBadRequest,
	storage.ENOTFOUND: http.StatusNotFound,
	storage.ECONFLICT: http.StatusConflict,
	storage.EINTERNAL: http.StatusInternalServerError,
}

// titleOf is the heading of the error page per status code.
var titleOf = map[int]string{
	http.StatusBadRequest:            "This request is not valid",
	http.StatusForbidden:             "Not allowed",
	http.StatusNotFound:              "Not found",
	http.StatusMethodNotAllowed:      "Not allowed here",
	http.StatusConflict:              "Not possible right now",
	http.StatusRequestEntityTooLarge: "File too large",
	http.StatusInternalServerError:   "Something went wrong",
}

const internalMessage = "The server could not complete this request. The error was logged; " +
	"try again, and if it keeps happening tell your administrator."

// HTTPErrorHandler is the one place where errors become responses. Storage
// error codes and echo's HTTP errors map to status codes with
// their user-facing message; anything else is internal: logged with the
// request, shown as a generic message. htmx requests get a message fragment
// retargeted to the page's flash area, others a full error page.
func (h *Handler) HTTPErrorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, message := h.describe(err, c)
	view := web.ErrorView{Status: status, Title: titleFor(status), Message: message}

	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	comp := web.ErrorPage(view)
	if isHTMX(c) {
		c.Response().Header().Set("HX-Retarget", "#flash")
		c.Response().Header().Set("HX-Reswap", "innerHTML")
		comp = web.ErrorMessage(view)
	}
	if rerr := render(c, status, comp); rerr != nil {
		h.log.ErrorContext(c.Request().Context(), "render error page", slog.Any("error", rerr))
		_ = c.String(http.StatusInternalServerError, "Internal server error.")
	}
}

// describe returns the status code and user-facing message of err, logging
// internal errors.
func (h *Handler) describe(err error, c echo.Context) (int, string) {
	var he *echo.HTTPError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		if he.Code >= 500 {
			h.logInternal(c, err)
			return he.Code, internalMessage
		}
		if msg, ok := he.Message.(string); ok && he.Code == http.StatusForbidden {
			return he.Code, msg
		}
		return he.Code, echoMessage(he.Code)
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf(
			"The upload is larger than the %s the server accepts.", web.FormatBytes(mbe.Limit))
	}
	code := storage.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok || status >= 500 {
		h.logInternal(c, err)
		return http.StatusInternalServerError, internalMessage
	}
	return status, storage.ErrorMessage(err)
}

// logInternal logs an internal error with the request's method, route and
// path (which hold ids only, never document text). A request the client gave
// up on is not an error of ours.
func (h *Handler) logInternal(c echo.Context, err error) {
	level := slog.LevelError
	if errors.Is(err, context.Canceled) {
		level = slog.LevelDebug
	}
	h.log.Log(c.Request().Context(), level, "request failed",
		slog.String("method", c.Request().Method),
		slog.String("route", c.Path()),
		slog.String("path", c.Request().URL.Path),
		slog.Any("error", err))
}

// echoMessage is the message for echo's own errors: unknown routes, wrong methods.
func echoMessage(code int) string {
	switch code {
	case http.StatusNotFound:
		return "There is nothing at this address. Check the link, or go back to the documents list."
	case http.StatusMethodNotAllowed:
		return "This address does not accept this kind of request."
	case http.StatusRequestEntityTooLarge:
		return "The request is too large."
	}
	return http.StatusText(code) + "."
}

func titleFor(status int) string {
	if t, ok := titleOf[status]; ok {
		return t
	}
	if status >= 500 {
		return titleOf[http.StatusInternalServerError]
	}
	return http.StatusText(status)
}
