package summarize

import (
	"strings"
	"sync"
	"testing"
)

func TestRedactorRoundTrip(t *testing.T) {
	r := NewRedactor(FindPersonalData)
	text := "Notices to jane.doe@harbor-logistics.com (Tel: +44 20 7946 0018); copy to\u200b jane.doe@harbor-logistics.com.\n" +
		"Refunds to IBAN DE89 3704 0044 0532 0130 00."
	out := r.Redact(text)
	for _, secret := range []string{"jane.doe@harbor-logistics.com", "7946 0018", "DE89 3704"} {
		if strings.Contains(out, secret) {
			t.Fatalf("redacted text still holds %q: %s", secret, out)
		}
	}
	if strings.Count(out, "[EMAIL_1]") != 2 || !strings.Contains(out, "[PHONE_1]") || !strings.Contains(out, "[IBAN_1]") {
		t.Fatalf("placeholders: %s", out)
	}
	// A later call of the same job gets the same placeholder, even for a value quoted without
	// the context that made the detector see it.
	if got := r.Redact("Write to jane.doe@harbor-logistics.com."); got != "Write to [EMAIL_1]." {
		t.Fatalf("second call: %q", got)
	}
	back := r.Restore("The Licensee is reached at [EMAIL_1] and pays into [IBAN_1]; [EMAIL_9] is unknown.")
	want := "The Licensee is reached at jane.doe@harbor-logistics.com and pays into DE89 3704 0044 0532 0130 00; [EMAIL_9] is unknown."
	if back != want {
		t.Fatalf("restore:\n got %q\nwant %q", back, want)
	}
}

func TestRedactorConcurrent(t *testing.T) {
	r := NewRedactor(FindPersonalData)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out := r.Redact("Contact a@harbor-logistics.com or b@harbor-logistics.com."); strings.Contains(out, "@") {
				t.Errorf("call %d: %s", i, out)
			}
		}()
	}
	wg.Wait()
	if a, b := r.Restore("[EMAIL_1]"), r.Restore("[EMAIL_2]"); a == b || !strings.Contains(a+b, "a@") || !strings.Contains(a+b, "b@") {
		t.Fatalf("placeholders not distinct: %q %q", a, b)
	}
}
