package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"precis/storage"
	"precis/web"
)

// matterPage is the address of a matter's administration page.
func matterPage(id int64) string { return "/admin/matters/" + strconv.FormatInt(id, 10) }

// adminMatterRow is the row of a matter.
func adminMatterRow(m storage.Matter) web.AdminMatterRow {
	return web.AdminMatterRow{ID: m.ID, ClientNumber: m.ClientNumber, MatterNumber: m.MatterNumber, Name: m.Name,
		Members: m.Members, Documents: m.Documents, LegalHold: m.LegalHold}
}

// matterForm reads a matter's numbers and name from the form.
func matterForm(c echo.Context) web.AdminMatterForm {
	return web.AdminMatterForm{ClientNumber: strings.TrimSpace(c.FormValue("client_number")),
		MatterNumber: strings.TrimSpace(c.FormValue("matter_number")), Name: strings.TrimSpace(c.FormValue("name"))}
}

// mattersView lists every matter, and the add form.
func (h *Handler) mattersView(c echo.Context, form web.AdminMatterForm) (web.AdminMattersView, error) {
	v := web.AdminMattersView{Form: form}
	var err error
	if v.Frame, err = h.peopleFrame(c, "matters", "Matters"); err != nil {
		return v, err
	}
	matters, err := h.store.Matters(c.Request().Context())
	if err != nil {
		return v, err
	}
	for _, m := range matters {
		v.Matters = append(v.Matters, adminMatterRow(m))
	}
	return v, nil
}

// AdminMatters handles GET /admin/matters: the matters and the form that adds one.
func (h *Handler) AdminMatters(c echo.Context) error {
	v, err := h.mattersView(c, web.AdminMatterForm{})
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.AdminMattersPage(v))
}

// AdminCreateMatter handles POST /admin/matters: fields client_number, matter_number and
// name. A refused form comes back with the input and the message.
func (h *Handler) AdminCreateMatter(c echo.Context) error {
	ctx := c.Request().Context()
	form := matterForm(c)
	actor, _ := h.identify(c)
	m := &storage.Matter{ClientNumber: form.ClientNumber, MatterNumber: form.MatterNumber, Name: form.Name}
	err := h.store.CreateMatter(ctx, m, actor)
	if err == nil {
		h.log.InfoContext(ctx, "matter created", slog.Int64("matter", m.ID), slog.String("actor", actor))
		return redirectDone(c, matterPage(m.ID), "matter-created")
	}
	status, msg, other := refusal(err)
	if other != nil {
		return other
	}
	form.Error = msg
	v, err := h.mattersView(c, form)
	if err != nil {
		return err
	}
	return render(c, status, web.AdminMattersPage(v))
}

// matterView is a matter's page: members, the users who could join, legal hold, and the
// metadata of its documents (never their content).
func (h *Handler) matterView(c echo.Context, m *storage.Matter) (web.AdminMatterView, error) {
	ctx := c.Request().Context()
	v := web.AdminMatterView{Matter: adminMatterRow(*m),
		Rename: web.AdminMatterForm{ClientNumber: m.ClientNumber, MatterNumber: m.MatterNumber, Name: m.Name},
		Hold:   web.AdminHoldView{On: m.LegalHold, Since: m.HoldAt, By: m.HoldBy, Reason: m.HoldReason}}
	var err error
	if v.Frame, err = h.peopleFrame(c, "matters", m.Title()); err != nil {
		return v, err
	}
	members, err := h.store.MatterMembers(ctx, m.ID)
	if err != nil {
		return v, err
	}
	users, err := h.store.ListUsers(ctx)
	if err != nil {
		return v, err
	}
	for _, u := range members {
		v.Members = append(v.Members, web.AdminMemberRow{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role,
			Disabled: u.Disabled})
	}
	for _, u := range users {
		if slices.ContainsFunc(members, func(x storage.User) bool { return x.ID == u.ID }) {
			continue
		}
		title := u.Email
		if u.Disabled {
			title += " (disabled)"
		}
		v.Candidates = append(v.Candidates, web.AdminOption{ID: u.ID, Title: title})
	}
	docs, err := h.store.ListDocuments(ctx, storage.DocumentFilter{MatterID: m.ID})
	if err != nil {
		return v, err
	}
	pol, err := h.policyIfAny(ctx)
	if err != nil {
		return v, err
	}
	for i := range docs {
		d := &docs[i].Document
		v.Documents = append(v.Documents, web.DocumentItem{ID: d.ID, Filename: d.Filename, Size: d.Size,
			Pages: d.PageCount, Status: documentStatus(d, docs[i].Job), CreatedAt: d.CreatedAt,
			Label: labelName(pol, d.LabelID)})
	}
	return v, nil
}

// pathMatter loads the matter whose id is in the path; ENOTFOUND for an unknown one.
func (h *Handler) pathMatter(c echo.Context) (*storage.Matter, error) {
	id, err := pathID(c, "id", "matter")
	if err != nil {
		return nil, err
	}
	return h.store.Matter(c.Request().Context(), id)
}

// AdminMatter handles GET /admin/matters/:id.
func (h *Handler) AdminMatter(c echo.Context) error {
	m, err := h.pathMatter(c)
	if err != nil {
		return err
	}
	v, err := h.matterView(c, m)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, web.AdminMatterPage(v))
}

// matterChange is one change to a matter, made by actor; it returns the key of the
// notice to show (peopleNotices).
type matterChange func(ctx context.Context, m *storage.Matter, actor string) (done string, err error)

// changeMatter runs change on the matter of the path and goes back to the matter's page.
// A refused change shows the page again with the message, placed by show, and the status
// of the refusal.
func (h *Handler) changeMatter(c echo.Context, change matterChange, show func(*web.AdminMatterView, string)) error {
	m, err := h.pathMatter(c)
	if err != nil {
		return err
	}
	actor, _ := h.identify(c)
	done, err := change(c.Request().Context(), m, actor)
	if err == nil {
		return redirectDone(c, matterPage(m.ID), done)
	}
	status, msg, other := refusal(err)
	if other != nil {
		return other
	}
	if m, err = h.store.Matter(c.Request().Context(), m.ID); err != nil {
		return err
	}
	v, err := h.matterView(c, m)
	if err != nil {
		return err
	}
	show(&v, msg)
	return render(c, status, web.AdminMatterPage(v))
}

// AdminRenameMatter handles POST /admin/matters/:id/rename: fields client_number,
// matter_number and name.
func (h *Handler) AdminRenameMatter(c echo.Context) error {
	form := matterForm(c)
	return h.changeMatter(c, func(ctx context.Context, m *storage.Matter, actor string) (string, error) {
		next := *m
		next.ClientNumber, next.MatterNumber, next.Name = form.ClientNumber, form.MatterNumber, form.Name
		return "renamed", h.store.RenameMatter(ctx, &next, actor)
	}, func(v *web.AdminMatterView, msg string) {
		v.Rename = form
		v.Rename.Error = msg
	})
}

// AdminAddMember handles POST /admin/matters/:id/members: field user_id, the user who
// joins the matter and from then on sees its documents.
func (h *Handler) AdminAddMember(c echo.Context) error {
	userID := formID(c, "user_id")
	return h.changeMatter(c, func(ctx context.Context, m *storage.Matter, actor string) (string, error) {
		if userID == 0 {
			return "", storage.Errorf(storage.EINVALID, "Choose the user to add to the matter.")
		}
		return "member-added", h.store.AddMember(ctx, m.ID, userID, actor)
	}, func(v *web.AdminMatterView, msg string) { v.MemberError = msg })
}

// AdminRemoveMember handles POST /admin/matters/:id/members/remove: field user_id, the
// member who leaves the matter.
func (h *Handler) AdminRemoveMember(c echo.Context) error {
	userID := formID(c, "user_id")
	return h.changeMatter(c, func(ctx context.Context, m *storage.Matter, actor string) (string, error) {
		if userID == 0 {
			return "", storage.Errorf(storage.EINVALID, "Choose the member to remove from the matter.")
		}
		return "member-removed", h.store.RemoveMember(ctx, m.ID, userID, actor)
	}, func(v *web.AdminMatterView, msg string) { v.MemberError = msg })
}

// AdminHoldMatter handles POST /admin/matters/:id/hold: field reason, required. While the
// hold lasts none of the matter's documents can be deleted.
func (h *Handler) AdminHoldMatter(c echo.Context) error {
	reason := strings.TrimSpace(c.FormValue("reason"))
	return h.changeMatter(c, func(ctx context.Context, m *storage.Matter, actor string) (string, error) {
		return "hold", h.store.SetLegalHold(ctx, m.ID, true, reason, actor)
	}, func(v *web.AdminMatterView, msg string) {
		v.Hold.Input, v.Hold.Error = reason, msg
	})
}

// AdminReleaseMatter handles POST /admin/matters/:id/release: the end of the legal hold.
func (h *Handler) AdminReleaseMatter(c echo.Context) error {
	return h.changeMatter(c, func(ctx context.Context, m *storage.Matter, actor string) (string, error) {
		return "released", h.store.SetLegalHold(ctx, m.ID, false, "", actor)
	}, func(v *web.AdminMatterView, msg string) { v.Hold.Error = msg })
}
