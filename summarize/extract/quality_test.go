package extract

import (
	"bytes"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"

	"precis/summarize/extract/corpus"
	"precis/summarize/extract/pdftext"
)

// nativeText returns what our own extraction reads on the pages of a corpus file, before
// any fallback, pages joined.
func nativeText(t *testing.T, parts ...string) string {
	t.Helper()
	data, err := os.ReadFile(corpus.Path(t, parts...))
	if err != nil {
		t.Fatal(err)
	}
	data, _ = normalize(data)
	r, err := pdf.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	pages, err := walkPages(r, 100)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	ex := pdftext.NewExtractor(pdftext.Options{})
	for _, p := range pages {
		text, _, _ := nativePage(ex, p)
		b.WriteString(text)
		b.WriteString("\n")
	}
	return b.String()
}

// randomBytes is deterministic binary junk, cleaned as page text is.
func randomBytes(n int) string {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return cleanText(string(b))
}

// consonantWords is text of words made of shuffled consonants.
func consonantWords(n int) string {
	r := rand.New(rand.NewPCG(3, 4))
	const cons = "bcdfghjklmnpqrstvwxzBCDFGHJKLMNPQRSTVWXZ"
	var words []string
	for range n {
		w := make([]byte, 3+r.IntN(7))
		for i := range w {
			w[i] = cons[r.IntN(len(cons))]
		}
		words = append(words, string(w))
	}
	return strings.Join(words, " ")
}

// Good text in scripts other than Latin (public-domain or our own sentences).
const (
	japanese = "わたくしといふ現象は\n仮定された有機交流電燈の\nひとつの青い照明です\n（あらゆる透明な幽霊の複合体）\n" +
		"風景やみんなといっしょに\nせはしくせはしく明滅しながら\nいかにもたしかにともりつづける\n因果交流電燈の\nひとつの青い照明です"
	arabic = "تم إبرام هذه الاتفاقية بين الطرفين في تاريخ التوقيع، ويلتزم كل طرف بالحفاظ على سرية المعلومات " +
		"التي يحصل عليها من الطرف الآخر، ولا يجوز الإفصاح عنها لأي جهة ثالثة دون موافقة خطية مسبقة. " +
		"تسري هذه الاتفاقية لمدة سنتين من تاريخ التوقيع."
	german = "§ 3 Vertraulichkeit. Die Parteien verpflichten sich, alle im Rahmen dieses Vertrages erhaltenen " +
		"Informationen vertraulich zu behandeln und Dritten nicht ohne vorherige schriftliche Zustimmung zugänglich zu machen. " +
		"Diese Verpflichtung gilt über die Beendigung des Vertrages hinaus für einen Zeitraum von fünf Jahren."
	feeTable = "Schedule B - Fees\nItem Qty Unit price Total\n1 12 $ 1,200.00 $ 14,400.00\n2 3 $ 450.50 $ 1,351.50\n" +
		"3 1 $ 9,999.99 $ 9,999.99\nTotal (USD) $ 25,751.49\nVAT 20% $ 5,150.30\n"
	signatures = "IN WITNESS WHEREOF, the parties have executed this Agreement as of the Effective Date.\n" +
		"ACME CORP.\nBy: ______________________\nName: Jane Q. Doe\nTitle: CEO\nDate: ____________\n" +
		"WIDGET LLC\nBy: ______________________\nName: John Roe\nTitle: CFO\n"
)

func TestQuality(t *testing.T) {
	good := []struct {
		name string
		text func(t *testing.T) string
	}{
		{"English NDA (our own text)", func(t *testing.T) string {
			return nativeText(t, "contracts", "Example-Mutual-Non-Disclosure-Agreement.pdf")
		}},
		{"CUAD agreement (our own text)", func(t *testing.T) string {
			return nativeText(t, "contracts", "LOOKSMARTLTD_07_20_2012-EX-99.(D)(I)-SPONSORSHIP AGREEMENT.PDF")
		}},
		{"Hebrew (our own text)", func(t *testing.T) string { return nativeText(t, "tricky", "issue11656.pdf") }},
		{"Japanese", func(*testing.T) string { return japanese }},
		{"Arabic", func(*testing.T) string { return arabic }},
		{"German", func(*testing.T) string { return german }},
		{"table of fees", func(*testing.T) string { return feeTable }},
		{"signature block", func(*testing.T) string { return signatures }},
		{"a short page", func(*testing.T) string { return "Page 2 of 10" }},
	}
	garbage := []struct {
		name string
		text func(t *testing.T) string
	}{
		{"jo.pdf read as Latin-1 (mojibake)", func(t *testing.T) string { return latin1(nativeText(t, "tricky", "jo.pdf")) }},
		{"issue16538 read as Latin-1 (mojibake)", func(t *testing.T) string { return latin1(nativeText(t, "tricky", "issue16538.pdf")) }},
		{"issue-791 wrong ToUnicode map (our own text)", func(t *testing.T) string {
			return nativeText(t, "tricky", "issue-791-non-unicode-cmap.pdf")
		}},
		{"random bytes", func(*testing.T) string { return randomBytes(4000) }},
		{"(cid:N) placeholders", func(*testing.T) string { return strings.Repeat("(cid:12)(cid:34)(cid:5) (cid:77)\n", 60) }},
		{"shuffled consonants", func(*testing.T) string { return consonantWords(300) }},
		{"replacement characters", func(*testing.T) string {
			return strings.Repeat("Th\uFFFD \uFFFD\uFFFDrm \uFFFDf \uFFFD\uFFFD\uFFFD ", 40)
		}},
		{"private-use glyphs", func(*testing.T) string { return strings.Repeat("\uE001\uE002\uE003 \uE010\uE011 ", 80) }},
	}
	for _, tt := range good {
		t.Run("good/"+tt.name, func(t *testing.T) {
			text := tt.text(t)
			q := Quality(text)
			t.Logf("quality %.2f (%d characters)", q, utf8.RuneCountInString(text))
			if q < 0.8 {
				t.Errorf("Quality = %.2f, want at least 0.8 for real text: %.200q", q, text)
			}
		})
	}
	for _, tt := range garbage {
		t.Run("garbage/"+tt.name, func(t *testing.T) {
			text := tt.text(t)
			q := Quality(text)
			t.Logf("quality %.2f (%d characters)", q, utf8.RuneCountInString(text))
			if q >= 0.35 || q >= QualityThreshold {
				t.Errorf("Quality = %.2f, want below 0.35 for garbage: %.200q", q, text)
			}
		})
	}
	for _, empty := range []string{"", " \n\t ", "____"} {
		if q := Quality(empty); q != 0 {
			t.Errorf("Quality(%q) = %.2f, want 0", empty, q)
		}
	}
}

func TestQualityRange(t *testing.T) {
	for _, s := range []string{"a", "1", "§", "\uFFFD", "Hello", "(cid:1)", randomBytes(50), japanese[:9]} {
		if q := Quality(s); q < 0 || q > 1 {
			t.Errorf("Quality(%q) = %v, out of 0..1", s, q)
		}
	}
}
