package classify

import "testing"

func TestPersonalDataSpans(t *testing.T) {
	text := "Notices: jane.doe@harbor-logistics.com, Tel: +44 20 7946 0018.\nPay by Visa card 4111 1111 1111 1111, exp 12/27.\n" +
		"IBAN DE89 3704 0044 0532 0130 00. Employee SSN 219-09-9998. PRIVILEGED & CONFIDENTIAL"
	norm, spans := PersonalData(text, Options{})
	got := map[string]string{}
	for _, s := range spans {
		got[s.Detector] = norm[s.Start:s.End]
	}
	want := map[string]string{
		DetectorEmail:       "jane.doe@harbor-logistics.com",
		DetectorPhone:       "+44 20 7946 0018",
		DetectorPaymentCard: "4111 1111 1111 1111",
		DetectorIBAN:        "DE89 3704 0044 0532 0130 00",
		DetectorSSN:         "219-09-9998",
	}
	for d, v := range want {
		if got[d] != v {
			t.Errorf("%s: span %q, want %q", d, got[d], v)
		}
	}
	if _, ok := got[DetectorPrivilege]; ok || len(got) != len(want) {
		t.Errorf("only personal data is returned: %v", got)
	}
}
