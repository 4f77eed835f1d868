package classify

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// registryExamples are example IBANs from the SWIFT IBAN registry.
var registryExamples = []string{
	"AD1200012030200359100100", "AE070331234567890123456", "AL47212110090000000235698741",
	"AT611904300234573201", "AZ21NABZ00000000137010001944", "BA391290079401028494",
	"BE68539007547034", "BG80BNBG96611020345678", "BH67BMAG00001299123456",
	"BR1800360305000010009795493C1", "BY13NBRB3600900000002Z00AB00", "CH9300762011623852957",
	"CR05015202001026284066", "CY17002001280000001200527600", "CZ6508000000192000145399",
	"DE89370400440532013000", "DK5000400440116243", "DO28BAGR00000001212453611324",
	"EE382200221020145685", "EG380019000500000000263180002", "ES9121000418450200051332",
	"FI2112345600000785", "FO6264600001631634", "FR1420041010050500013M02606",
	"GB29NWBK60161331926819", "GE29NB0000000101904917", "GI75NWBK000000007099453",
	"GL8964710001000206", "GR1601101250000000012300695", "GT82TRAJ01020000001210029690",
	"HR1210010051863000160", "HU42117730161111101800000000", "IE29AIBK93115212345678",
	"IL620108000000099999999", "IQ98NBIQ850123456789012", "IS140159260076545510730339",
	"IT60X0542811101000000123456", "JO94CBJO0010000000000131000302", "KW81CBKU0000000000001234560101",
	"KZ86125KZT5004100100", "LB62099900000001001901229114", "LC55HEMM000100010012001200023015",
	"LI21088100002324013AA", "LT121000011101001000", "LU280019400644750000",
	"LV80BANK0000435195001", "MC5811222000010123456789030", "MD24AG000225100013104168",
	"ME25505000012345678951", "MK07250120000058984", "MR1300020001010000123456753",
	"MT84MALT011000012345MTLCAST001S", "MU17BOMM0101101030300200000MUR", "NL91ABNA0417164300",
	"NO9386011117947", "PK36SCBL0000001123456702", "PL61109010140000071219812874",
	"PS92PALS000000000400123456702", "PT50000201231234567890154", "QA58DOHB00001234567890ABCDEFG",
	"RO49AAAA1B31007593840000", "RS35260005601001611379", "SA0380000000608010167519",
	"SC18SSCB11010000000000001497USD", "SE4550000000058398257466", "SI56263300012039086",
	"SK3112000000198742637541", "SM86U0322509800000000270100", "ST68000100010051845310112",
	"SV62CENR00000000000000700025", "TL380080012345678910157", "TN5910006035183598478831",
	"TR330006100519786457841326", "UA213223130000026007233566001", "VA59001123000012345678",
	"VG96VPVG0000012345678901", "XK051212012345678906",
}

func TestIBANRegistryExamples(t *testing.T) {
	for _, iban := range registryExamples {
		if !ibanValid(iban) {
			t.Errorf("ibanValid(%s) = false", iban)
		}
		if _, ok := ibanFormats[iban[:2]]; !ok {
			t.Errorf("%s: no format for %s", iban, iban[:2])
		}
	}
}

// TestIBANSingleChanges checks that every change of one digit in an example is caught,
// which the mod-97 check guarantees.
func TestIBANSingleChanges(t *testing.T) {
	for _, iban := range registryExamples {
		b := []byte(iban)
		for i := 2; i < len(b); i++ {
			if !isDigit(b[i]) {
				continue
			}
			orig := b[i]
			for d := byte('0'); d <= '9'; d++ {
				if b[i] = d; d != orig && ibanValid(string(b)) {
					t.Errorf("%s with position %d changed to %c still passes", iban, i, d)
				}
			}
			b[i] = orig
		}
	}
}

func TestIBANFormats(t *testing.T) {
	for cc, f := range ibanFormats {
		if n := 4 + bbanLen(f); n < 15 || n > 34 {
			t.Errorf("%s: format %s gives length %d", cc, f, n)
		}
	}
	for _, tt := range []struct {
		bban, format string
		want         bool
	}{
		{"NWBK60161331926819", "4a14n", true}, {"1234601613319268", "4a14n", false},
		{"NWBK6016133192681", "4a14n", false}, {"X0542811101000000123456", "1a10n12c", true},
		{"0542811101000000123456X", "1a10n12c", false},
	} {
		if got := bbanFits(tt.bban, tt.format); got != tt.want {
			t.Errorf("bbanFits(%s, %s) = %v, want %v", tt.bban, tt.format, got, tt.want)
		}
	}
}

// TestIBANRandomShapes measures how often a random string with the shape of a German IBAN
// (DE, two digits, eighteen digits) passes: about one in 97, the mod-97 check's miss rate.
// Such a string in a document is reported; the detector has no context to ask for.
func TestIBANRandomShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(13616, 7064))
	const n = 20000
	pass := 0
	for range n {
		s := fmt.Sprintf("DE%02d", rng.IntN(100))
		for range 18 {
			s += string(rune('0' + rng.IntN(10)))
		}
		if len(keys("Konto "+s, Options{})) > 0 {
			pass++
		}
	}
	rate := float64(pass) / n
	t.Logf("random DE-shaped strings reported as IBANs: %d of %d (%.2f%%)", pass, n, 100*rate)
	if rate < 0.005 || rate > 0.015 {
		t.Errorf("%.4f of random IBAN-shaped strings pass; want about 1/97", rate)
	}
}
