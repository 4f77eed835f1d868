package pdftext

// Code generated from the glyph-name table of github.com/ledongthuc/pdf (name.go, derived
// from the Adobe Glyph List) for the ranges Latin, spacing modifiers, Greek, Cyrillic,
// punctuation, currency, letterlike, arrows, mathematical operators, enclosed
// alphanumerics, geometric shapes and Latin ligatures. DO NOT EDIT by hand.

// glyphNames holds "name hex" pairs separated by spaces; see glyphRune.
const glyphNames = "" +
	"space 20 spacehackarabic 20 exclam 21 quotedbl 22 numbersign 23 dollar 24 percent 25 ampersand 26 " +
	"quotesingle 27 parenleft 28 parenright 29 asterisk 2A plus 2B comma 2C hyphen 2D period 2E " +
	"slash 2F zero 30 one 31 two 32 three 33 four 34 five 35 six 36 seven 37 eight 38 nine 39 colon 3A " +
	"semicolon 3B less 3C equal 3D greater 3E question 3F at 40 A 41 B 42 C 43 D 44 E 45 F 46 G 47 " +
	"H 48 I 49 J 4A K 4B L 4C M 4D N 4E O 4F P 50 Q 51 R 52 S 53 T 54 U 55 V 56 W 57 X 58 Y 59 Z 5A " +
	"bracketleft 5B backslash 5C bracketright 5D asciicircum 5E underscore 5F grave 60 a 61 b 62 " +
	"c 63 d 64 e 65 f 66 g 67 h 68 i 69 j 6A k 6B l 6C m 6D n 6E o 6F p 70 q 71 r 72 s 73 t 74 u 75 " +
	"v 76 w 77 x 78 y 79 z 7A braceleft 7B bar 7C verticalbar 7C braceright 7D asciitilde 7E controlDEL 7F " +
	"nbspace A0 nonbreakingspace A0 exclamdown A1 cent A2 sterling A3 currency A4 yen A5 brokenbar A6 " +
	"section A7 dieresis A8 copyright A9 ordfeminine AA guillemotleft AB logicalnot AC sfthyphen AD " +
	"softhyphen AD registered AE macron AF overscore AF degree B0 plusminus B1 twosuperior B2 threesuperior B3 " +
	"acute B4 mu B5 mu1 B5 paragraph B6 middot B7 periodcentered B7 cedilla B8 onesuperior B9 ordmasculine BA " +
	"guillemotright BB onequarter BC onehalf BD threequarters BE questiondown BF Agrave C0 Aacute C1 " +
	"Acircumflex C2 Atilde C3 Adieresis C4 Aring C5 AE C6 Ccedilla C7 Egrave C8 Eacute C9 Ecircumflex CA " +
	"Edieresis CB Igrave CC Iacute CD Icircumflex CE Idieresis CF Eth D0 Ntilde D1 Ograve D2 Oacute D3 " +
	"Ocircumflex D4 Otilde D5 Odieresis D6 multiply D7 Oslash D8 Ugrave D9 Uacute DA Ucircumflex DB " +
	"Udieresis DC Yacute DD Thorn DE germandbls DF agrave E0 aacute E1 acircumflex E2 atilde E3 " +
	"adieresis E4 aring E5 ae E6 ccedilla E7 egrave E8 eacute E9 ecircumflex EA edieresis EB igrave EC " +
	"iacute ED icircumflex EE idieresis EF eth F0 ntilde F1 ograve F2 oacute F3 ocircumflex F4 otilde F5 " +
	"odieresis F6 divide F7 oslash F8 ugrave F9 uacute FA ucircumflex FB udieresis FC yacute FD " +
	"thorn FE ydieresis FF Amacron 100 amacron 101 Abreve 102 abreve 103 Aogonek 104 aogonek 105 " +
	"Cacute 106 cacute 107 Ccircumflex 108 ccircumflex 109 Cdot 10A Cdotaccent 10A cdot 10B cdotaccent 10B " +
	"Ccaron 10C ccaron 10D Dcaron 10E dcaron 10F Dcroat 110 Dslash 110 dcroat 111 dmacron 111 Emacron 112 " +
	"emacron 113 Ebreve 114 ebreve 115 Edot 116 Edotaccent 116 edot 117 edotaccent 117 Eogonek 118 " +
	"eogonek 119 Ecaron 11A ecaron 11B Gcircumflex 11C gcircumflex 11D Gbreve 11E gbreve 11F Gdot 120 " +
	"Gdotaccent 120 gdot 121 gdotaccent 121 Gcedilla 122 Gcommaaccent 122 gcedilla 123 gcommaaccent 123 " +
	"Hcircumflex 124 hcircumflex 125 Hbar 126 hbar 127 Itilde 128 itilde 129 Imacron 12A imacron 12B " +
	"Ibreve 12C ibreve 12D Iogonek 12E iogonek 12F Idot 130 Idotaccent 130 dotlessi 131 IJ 132 ij 133 " +
	"Jcircumflex 134 jcircumflex 135 Kcedilla 136 Kcommaaccent 136 kcedilla 137 kcommaaccent 137 " +
	"kgreenlandic 138 Lacute 139 lacute 13A Lcedilla 13B Lcommaaccent 13B lcedilla 13C lcommaaccent 13C " +
	"Lcaron 13D lcaron 13E Ldot 13F Ldotaccent 13F ldot 140 ldotaccent 140 Lslash 141 lslash 142 " +
	"Nacute 143 nacute 144 Ncedilla 145 Ncommaaccent 145 ncedilla 146 ncommaaccent 146 Ncaron 147 " +
	"ncaron 148 napostrophe 149 quoterightn 149 Eng 14A eng 14B Omacron 14C omacron 14D Obreve 14E " +
	"obreve 14F Odblacute 150 Ohungarumlaut 150 odblacute 151 ohungarumlaut 151 OE 152 oe 153 Racute 154 " +
	"racute 155 Rcedilla 156 Rcommaaccent 156 rcedilla 157 rcommaaccent 157 Rcaron 158 rcaron 159 " +
	"Sacute 15A sacute 15B Scircumflex 15C scircumflex 15D Scedilla 15E scedilla 15F Scaron 160 " +
	"scaron 161 Tcedilla 162 Tcommaaccent 162 tcedilla 163 tcommaaccent 163 Tcaron 164 tcaron 165 " +
	"Tbar 166 tbar 167 Utilde 168 utilde 169 Umacron 16A umacron 16B Ubreve 16C ubreve 16D Uring 16E " +
	"uring 16F Udblacute 170 Uhungarumlaut 170 udblacute 171 uhungarumlaut 171 Uogonek 172 uogonek 173 " +
	"Wcircumflex 174 wcircumflex 175 Ycircumflex 176 ycircumflex 177 Ydieresis 178 Zacute 179 zacute 17A " +
	"Zdot 17B Zdotaccent 17B zdot 17C zdotaccent 17C Zcaron 17D zcaron 17E longs 17F slong 17F bstroke 180 " +
	"Bhook 181 Btopbar 182 btopbar 183 Tonesix 184 tonesix 185 Oopen 186 Chook 187 chook 188 Dafrican 189 " +
	"Dhook 18A Dtopbar 18B dtopbar 18C deltaturned 18D Ereversed 18E Schwa 18F Eopen 190 Fhook 191 " +
	"florin 192 Ghook 193 Gammaafrican 194 hv 195 Iotaafrican 196 Istroke 197 Khook 198 khook 199 " +
	"lbar 19A lambdastroke 19B Mturned 19C Nhookleft 19D nlegrightlong 19E Ocenteredtilde 19F Ohorn 1A0 " +
	"ohorn 1A1 Oi 1A2 oi 1A3 Phook 1A4 phook 1A5 yr 1A6 Tonetwo 1A7 tonetwo 1A8 Esh 1A9 eshreversedloop 1AA " +
	"tpalatalhook 1AB Thook 1AC thook 1AD Tretroflexhook 1AE Uhorn 1AF uhorn 1B0 Upsilonafrican 1B1 " +
	"Vhook 1B2 Yhook 1B3 yhook 1B4 Zstroke 1B5 zstroke 1B6 Ezh 1B7 Ezhreversed 1B8 ezhreversed 1B9 " +
	"ezhtail 1BA twostroke 1BB Tonefive 1BC tonefive 1BD glottalinvertedstroke 1BE wynn 1BF clickdental 1C0 " +
	"clicklateral 1C1 clickalveolar 1C2 clickretroflex 1C3 DZcaron 1C4 Dzcaron 1C5 dzcaron 1C6 LJ 1C7 " +
	"Lj 1C8 lj 1C9 NJ 1CA Nj 1CB nj 1CC Acaron 1CD acaron 1CE Icaron 1CF icaron 1D0 Ocaron 1D1 ocaron 1D2 " +
	"Ucaron 1D3 ucaron 1D4 Udieresismacron 1D5 udieresismacron 1D6 Udieresisacute 1D7 udieresisacute 1D8 " +
	"Udieresiscaron 1D9 udieresiscaron 1DA Udieresisgrave 1DB udieresisgrave 1DC eturned 1DD Adieresismacron 1DE " +
	"adieresismacron 1DF Adotmacron 1E0 adotmacron 1E1 AEmacron 1E2 aemacron 1E3 Gstroke 1E4 gstroke 1E5 " +
	"Gcaron 1E6 gcaron 1E7 Kcaron 1E8 kcaron 1E9 Oogonek 1EA oogonek 1EB Oogonekmacron 1EC oogonekmacron 1ED " +
	"Ezhcaron 1EE ezhcaron 1EF jcaron 1F0 DZ 1F1 Dz 1F2 dz 1F3 Gacute 1F4 gacute 1F5 Aringacute 1FA " +
	"aringacute 1FB AEacute 1FC aeacute 1FD Oslashacute 1FE Ostrokeacute 1FE oslashacute 1FF ostrokeacute 1FF " +
	"Adblgrave 200 adblgrave 201 Ainvertedbreve 202 ainvertedbreve 203 Edblgrave 204 edblgrave 205 " +
	"Einvertedbreve 206 einvertedbreve 207 Idblgrave 208 idblgrave 209 Iinvertedbreve 20A iinvertedbreve 20B " +
	"Odblgrave 20C odblgrave 20D Oinvertedbreve 20E oinvertedbreve 20F Rdblgrave 210 rdblgrave 211 " +
	"Rinvertedbreve 212 rinvertedbreve 213 Udblgrave 214 udblgrave 215 Uinvertedbreve 216 uinvertedbreve 217 " +
	"Scommaaccent 218 scommaaccent 219 hsuperior 2B0 hhooksuperior 2B1 jsuperior 2B2 rturnedsuperior 2B4 " +
	"rhookturnedsuperior 2B5 Rsmallinvertedsuperior 2B6 wsuperior 2B7 ysuperior 2B8 primemod 2B9 " +
	"dblprimemod 2BA commaturnedmod 2BB afii57929 2BC apostrophemod 2BC afii64937 2BD commareversedmod 2BD " +
	"ringhalfright 2BE ringhalfleft 2BF glottalstopmod 2C0 glottalstopreversedmod 2C1 arrowheadleftmod 2C2 " +
	"arrowheadrightmod 2C3 arrowheadupmod 2C4 arrowheaddownmod 2C5 circumflex 2C6 caron 2C7 verticallinemod 2C8 " +
	"firsttonechinese 2C9 secondtonechinese 2CA fourthtonechinese 2CB verticallinelowmod 2CC macronlowmod 2CD " +
	"gravelowmod 2CE acutelowmod 2CF colontriangularmod 2D0 colontriangularhalfmod 2D1 ringhalfrightcentered 2D2 " +
	"ringhalfleftcentered 2D3 uptackmod 2D4 downtackmod 2D5 plusmod 2D6 minusmod 2D7 breve 2D8 dotaccent 2D9 " +
	"ring 2DA ogonek 2DB ilde 2DC tilde 2DC hungarumlaut 2DD rhotichookmod 2DE gammasuperior 2E0 " +
	"xsuperior 2E3 glottalstopreversedsuperior 2E4 tonebarextrahighmod 2E5 tonebarhighmod 2E6 tonebarmidmod 2E7 " +
	"tonebarlowmod 2E8 tonebarextralowmod 2E9 numeralsigngreek 374 numeralsignlowergreek 375 ypogegrammeni 37A " +
	"questiongreek 37E tonos 384 dialytikatonos 385 dieresistonos 385 Alphatonos 386 anoteleia 387 " +
	"Epsilontonos 388 Etatonos 389 Iotatonos 38A Omicrontonos 38C Upsilontonos 38E Omegatonos 38F " +
	"iotadieresistonos 390 Alpha 391 Beta 392 Gamma 393 Deltagreek 394 Epsilon 395 Zeta 396 Eta 397 " +
	"Theta 398 Iota 399 Kappa 39A Lambda 39B Mu 39C Nu 39D Xi 39E Omicron 39F Pi 3A0 Rho 3A1 Sigma 3A3 " +
	"Tau 3A4 Upsilon 3A5 Phi 3A6 Chi 3A7 Psi 3A8 Omegagreek 3A9 Iotadieresis 3AA Upsilondieresis 3AB " +
	"alphatonos 3AC epsilontonos 3AD etatonos 3AE iotatonos 3AF upsilondieresistonos 3B0 alpha 3B1 " +
	"beta 3B2 gamma 3B3 delta 3B4 epsilon 3B5 zeta 3B6 eta 3B7 theta 3B8 iota 3B9 kappa 3BA lambda 3BB " +
	"mugreek 3BC nu 3BD xi 3BE omicron 3BF pi 3C0 rho 3C1 sigma1 3C2 sigmafinal 3C2 sigma 3C3 tau 3C4 " +
	"upsilon 3C5 phi 3C6 chi 3C7 psi 3C8 omega 3C9 iotadieresis 3CA upsilondieresis 3CB omicrontonos 3CC " +
	"upsilontonos 3CD omegatonos 3CE betasymbolgreek 3D0 theta1 3D1 thetasymbolgreek 3D1 Upsilon1 3D2 " +
	"Upsilonhooksymbol 3D2 Upsilonacutehooksymbolgreek 3D3 Upsilondieresishooksymbolgreek 3D4 phi1 3D5 " +
	"phisymbolgreek 3D5 omega1 3D6 pisymbolgreek 3D6 Stigmagreek 3DA Digammagreek 3DC Koppagreek 3DE " +
	"Sampigreek 3E0 Sheicoptic 3E2 sheicoptic 3E3 Feicoptic 3E4 feicoptic 3E5 Kheicoptic 3E6 kheicoptic 3E7 " +
	"Horicoptic 3E8 horicoptic 3E9 Gangiacoptic 3EA gangiacoptic 3EB Shimacoptic 3EC shimacoptic 3ED " +
	"Deicoptic 3EE deicoptic 3EF kappasymbolgreek 3F0 rhosymbolgreek 3F1 sigmalunatesymbolgreek 3F2 " +
	"yotgreek 3F3 Iocyrillic 401 afii10023 401 Djecyrillic 402 afii10051 402 Gjecyrillic 403 afii10052 403 " +
	"Ecyrillic 404 afii10053 404 Dzecyrillic 405 afii10054 405 Icyrillic 406 afii10055 406 Yicyrillic 407 " +
	"afii10056 407 Jecyrillic 408 afii10057 408 Ljecyrillic 409 afii10058 409 Njecyrillic 40A afii10059 40A " +
	"Tshecyrillic 40B afii10060 40B Kjecyrillic 40C afii10061 40C Ushortcyrillic 40E afii10062 40E " +
	"Dzhecyrillic 40F afii10145 40F Acyrillic 410 afii10017 410 Becyrillic 411 afii10018 411 Vecyrillic 412 " +
	"afii10019 412 Gecyrillic 413 afii10020 413 Decyrillic 414 afii10021 414 Iecyrillic 415 afii10022 415 " +
	"Zhecyrillic 416 afii10024 416 Zecyrillic 417 afii10025 417 Iicyrillic 418 afii10026 418 Iishortcyrillic 419 " +
	"afii10027 419 Kacyrillic 41A afii10028 41A Elcyrillic 41B afii10029 41B Emcyrillic 41C afii10030 41C " +
	"Encyrillic 41D afii10031 41D Ocyrillic 41E afii10032 41E Pecyrillic 41F afii10033 41F Ercyrillic 420 " +
	"afii10034 420 Escyrillic 421 afii10035 421 Tecyrillic 422 afii10036 422 Ucyrillic 423 afii10037 423 " +
	"Efcyrillic 424 afii10038 424 Khacyrillic 425 afii10039 425 Tsecyrillic 426 afii10040 426 Checyrillic 427 " +
	"afii10041 427 Shacyrillic 428 afii10042 428 Shchacyrillic 429 afii10043 429 Hardsigncyrillic 42A " +
	"afii10044 42A Yericyrillic 42B afii10045 42B Softsigncyrillic 42C afii10046 42C Ereversedcyrillic 42D " +
	"afii10047 42D IUcyrillic 42E afii10048 42E IAcyrillic 42F afii10049 42F acyrillic 430 afii10065 430 " +
	"afii10066 431 becyrillic 431 afii10067 432 vecyrillic 432 afii10068 433 gecyrillic 433 afii10069 434 " +
	"decyrillic 434 afii10070 435 iecyrillic 435 afii10072 436 zhecyrillic 436 afii10073 437 zecyrillic 437 " +
	"afii10074 438 iicyrillic 438 afii10075 439 iishortcyrillic 439 afii10076 43A kacyrillic 43A " +
	"afii10077 43B elcyrillic 43B afii10078 43C emcyrillic 43C afii10079 43D encyrillic 43D afii10080 43E " +
	"ocyrillic 43E afii10081 43F pecyrillic 43F afii10082 440 ercyrillic 440 afii10083 441 escyrillic 441 " +
	"afii10084 442 tecyrillic 442 afii10085 443 ucyrillic 443 afii10086 444 efcyrillic 444 afii10087 445 " +
	"khacyrillic 445 afii10088 446 tsecyrillic 446 afii10089 447 checyrillic 447 afii10090 448 shacyrillic 448 " +
	"afii10091 449 shchacyrillic 449 afii10092 44A hardsigncyrillic 44A afii10093 44B yericyrillic 44B " +
	"afii10094 44C softsigncyrillic 44C afii10095 44D ereversedcyrillic 44D afii10096 44E iucyrillic 44E " +
	"afii10097 44F iacyrillic 44F afii10071 451 iocyrillic 451 afii10099 452 djecyrillic 452 afii10100 453 " +
	"gjecyrillic 453 afii10101 454 ecyrillic 454 afii10102 455 dzecyrillic 455 afii10103 456 icyrillic 456 " +
	"afii10104 457 yicyrillic 457 afii10105 458 jecyrillic 458 afii10106 459 ljecyrillic 459 afii10107 45A " +
	"njecyrillic 45A afii10108 45B tshecyrillic 45B afii10109 45C kjecyrillic 45C afii10110 45E " +
	"ushortcyrillic 45E afii10193 45F dzhecyrillic 45F enspace 2002 zerowidthspace 200B afii61664 200C " +
	"zerowidthnonjoiner 200C afii301 200D afii299 200E afii300 200F hyphentwo 2010 figuredash 2012 " +
	"endash 2013 emdash 2014 afii00208 2015 horizontalbar 2015 dblverticalbar 2016 dbllowline 2017 " +
	"underscoredbl 2017 quoteleft 2018 quoteright 2019 quotesinglbase 201A quoteleftreversed 201B " +
	"quotereversed 201B quotedblleft 201C quotedblright 201D quotedblbase 201E dagger 2020 daggerdbl 2021 " +
	"bullet 2022 onedotenleader 2024 twodotenleader 2025 twodotleader 2025 ellipsis 2026 afii61573 202C " +
	"afii61574 202D afii61575 202E perthousand 2030 minute 2032 second 2033 primereversed 2035 guilsinglleft 2039 " +
	"guilsinglright 203A referencemark 203B exclamdbl 203C overline 203E asterism 2042 fraction 2044 " +
	"colonmonetary 20A1 colonsign 20A1 cruzeiro 20A2 franc 20A3 afii08941 20A4 lira 20A4 peseta 20A7 " +
	"won 20A9 afii57636 20AA newsheqelsign 20AA sheqel 20AA sheqelhebrew 20AA dong 20AB Euro 20AC " +
	"centigrade 2103 afii61248 2105 careof 2105 fahrenheit 2109 Ifraktur 2111 afii61289 2113 lsquare 2113 " +
	"afii61352 2116 numero 2116 weierstrass 2118 Rfraktur 211C prescription 211E telephone 2121 " +
	"trademark 2122 Ohm 2126 Omega 2126 angstrom 212B estimated 212E aleph 2135 onethird 2153 twothirds 2154 " +
	"oneeighth 215B threeeighths 215C fiveeighths 215D seveneighths 215E Oneroman 2160 Tworoman 2161 " +
	"Threeroman 2162 Fourroman 2163 Fiveroman 2164 Sixroman 2165 Sevenroman 2166 Eightroman 2167 " +
	"Nineroman 2168 Tenroman 2169 Elevenroman 216A Twelveroman 216B oneroman 2170 tworoman 2171 " +
	"threeroman 2172 fourroman 2173 fiveroman 2174 sixroman 2175 sevenroman 2176 eightroman 2177 " +
	"nineroman 2178 tenroman 2179 elevenroman 217A twelveroman 217B arrowleft 2190 arrowup 2191 " +
	"arrowright 2192 arrowdown 2193 arrowboth 2194 arrowupdn 2195 arrowupleft 2196 arrowupright 2197 " +
	"arrowdownright 2198 arrowdownleft 2199 arrowupdnbse 21A8 arrowupdownbase 21A8 carriagereturn 21B5 " +
	"harpoonleftbarbup 21BC harpoonrightbarbup 21C0 arrowrightoverleft 21C4 arrowupleftofdown 21C5 " +
	"arrowleftoverright 21C6 arrowleftdblstroke 21CD arrowrightdblstroke 21CF arrowdblleft 21D0 " +
	"arrowleftdbl 21D0 arrowdblup 21D1 arrowdblright 21D2 dblarrowright 21D2 arrowdbldown 21D3 arrowdblboth 21D4 " +
	"dblarrowleft 21D4 pageup 21DE pagedown 21DF arrowdashleft 21E0 arrowdashup 21E1 arrowdashright 21E2 " +
	"arrowdashdown 21E3 arrowtableft 21E4 arrowtabright 21E5 arrowleftwhite 21E6 arrowupwhite 21E7 " +
	"arrowrightwhite 21E8 arrowdownwhite 21E9 capslock 21EA forall 2200 universal 2200 partialdiff 2202 " +
	"existential 2203 thereexists 2203 emptyset 2205 Delta 2206 increment 2206 gradient 2207 nabla 2207 " +
	"element 2208 notelement 2209 notelementof 2209 suchthat 220B notcontains 220C product 220F " +
	"summation 2211 minus 2212 minusplus 2213 divisionslash 2215 asteriskmath 2217 bulletoperator 2219 " +
	"radical 221A proportional 221D infinity 221E orthogonal 221F rightangle 221F angle 2220 divides 2223 " +
	"parallel 2225 notparallel 2226 logicaland 2227 logicalor 2228 intersection 2229 union 222A " +
	"integral 222B dblintegral 222C contourintegral 222E therefore 2234 because 2235 ratio 2236 " +
	"proportion 2237 similar 223C tildeoperator 223C reversedtilde 223D asymptoticallyequal 2243 " +
	"approximatelyequal 2245 congruent 2245 approxequal 2248 allequal 224C approaches 2250 geometricallyequal 2251 " +
	"approxequalorimage 2252 imageorapproximatelyequal 2253 notequal 2260 equivalence 2261 notidentical 2262 " +
	"lessequal 2264 greaterequal 2265 lessoverequal 2266 greateroverequal 2267 muchless 226A muchgreater 226B " +
	"notless 226E notgreater 226F notlessnorequal 2270 notgreaternorequal 2271 lessorequivalent 2272 " +
	"greaterorequivalent 2273 lessorgreater 2276 greaterorless 2277 notgreaternorless 2279 precedes 227A " +
	"succeeds 227B notprecedes 2280 notsucceeds 2281 propersubset 2282 subset 2282 propersuperset 2283 " +
	"superset 2283 notsubset 2284 notsuperset 2285 reflexsubset 2286 subsetorequal 2286 reflexsuperset 2287 " +
	"supersetorequal 2287 subsetnotequal 228A supersetnotequal 228B circleplus 2295 pluscircle 2295 " +
	"minuscircle 2296 circlemultiply 2297 timescircle 2297 circleot 2299 tackleft 22A3 tackdown 22A4 " +
	"perpendicular 22A5 righttriangle 22BF dotmath 22C5 curlyor 22CE curlyand 22CF lessequalorgreater 22DA " +
	"greaterequalorless 22DB ellipsisvertical 22EE onecircle 2460 twocircle 2461 threecircle 2462 " +
	"fourcircle 2463 fivecircle 2464 sixcircle 2465 sevencircle 2466 eightcircle 2467 ninecircle 2468 " +
	"tencircle 2469 elevencircle 246A twelvecircle 246B thirteencircle 246C fourteencircle 246D " +
	"fifteencircle 246E sixteencircle 246F seventeencircle 2470 eighteencircle 2471 nineteencircle 2472 " +
	"twentycircle 2473 oneparen 2474 twoparen 2475 threeparen 2476 fourparen 2477 fiveparen 2478 " +
	"sixparen 2479 sevenparen 247A eightparen 247B nineparen 247C tenparen 247D elevenparen 247E " +
	"twelveparen 247F thirteenparen 2480 fourteenparen 2481 fifteenparen 2482 sixteenparen 2483 " +
	"seventeenparen 2484 eighteenparen 2485 nineteenparen 2486 twentyparen 2487 oneperiod 2488 twoperiod 2489 " +
	"threeperiod 248A fourperiod 248B fiveperiod 248C sixperiod 248D sevenperiod 248E eightperiod 248F " +
	"nineperiod 2490 tenperiod 2491 elevenperiod 2492 twelveperiod 2493 thirteenperiod 2494 fourteenperiod 2495 " +
	"fifteenperiod 2496 sixteenperiod 2497 seventeenperiod 2498 eighteenperiod 2499 nineteenperiod 249A " +
	"twentyperiod 249B aparen 249C bparen 249D cparen 249E dparen 249F eparen 24A0 fparen 24A1 gparen 24A2 " +
	"hparen 24A3 iparen 24A4 jparen 24A5 kparen 24A6 lparen 24A7 mparen 24A8 nparen 24A9 oparen 24AA " +
	"pparen 24AB qparen 24AC rparen 24AD sparen 24AE tparen 24AF uparen 24B0 vparen 24B1 wparen 24B2 " +
	"xparen 24B3 yparen 24B4 zparen 24B5 Acircle 24B6 Bcircle 24B7 Ccircle 24B8 Dcircle 24B9 Ecircle 24BA " +
	"Fcircle 24BB Gcircle 24BC Hcircle 24BD Icircle 24BE Jcircle 24BF Kcircle 24C0 Lcircle 24C1 " +
	"Mcircle 24C2 Ncircle 24C3 Ocircle 24C4 Pcircle 24C5 Qcircle 24C6 Rcircle 24C7 Scircle 24C8 " +
	"Tcircle 24C9 Ucircle 24CA Vcircle 24CB Wcircle 24CC Xcircle 24CD Ycircle 24CE Zcircle 24CF " +
	"acircle 24D0 bcircle 24D1 ccircle 24D2 dcircle 24D3 ecircle 24D4 fcircle 24D5 gcircle 24D6 " +
	"hcircle 24D7 icircle 24D8 jcircle 24D9 kcircle 24DA lcircle 24DB mcircle 24DC ncircle 24DD " +
	"ocircle 24DE pcircle 24DF qcircle 24E0 rcircle 24E1 scircle 24E2 tcircle 24E3 ucircle 24E4 " +
	"vcircle 24E5 wcircle 24E6 xcircle 24E7 ycircle 24E8 zcircle 24E9 blacksquare 25A0 filledbox 25A0 " +
	"H22073 25A1 whitesquare 25A1 squarewhitewithsmallblack 25A3 squarehorizontalfill 25A4 squareverticalfill 25A5 " +
	"squareorthogonalcrosshatchfill 25A6 squareupperlefttolowerrightfill 25A7 squareupperrighttolowerleftfill 25A8 " +
	"squarediagonalcrosshatchfill 25A9 H18543 25AA blacksmallsquare 25AA H18551 25AB whitesmallsquare 25AB " +
	"blackrectangle 25AC filledrect 25AC blackuppointingtriangle 25B2 triagup 25B2 whiteuppointingtriangle 25B3 " +
	"blackuppointingsmalltriangle 25B4 whiteuppointingsmalltriangle 25B5 blackrightpointingtriangle 25B6 " +
	"whiterightpointingtriangle 25B7 whiterightpointingsmalltriangle 25B9 blackrightpointingpointer 25BA " +
	"triagrt 25BA blackdownpointingtriangle 25BC triagdn 25BC whitedownpointingtriangle 25BD whitedownpointingsmalltriangle 25BF " +
	"blackleftpointingtriangle 25C0 whiteleftpointingtriangle 25C1 whiteleftpointingsmalltriangle 25C3 " +
	"blackleftpointingpointer 25C4 triaglf 25C4 blackdiamond 25C6 whitediamond 25C7 whitediamondcontainingblacksmalldiamond 25C8 " +
	"fisheye 25C9 lozenge 25CA circle 25CB whitecircle 25CB dottedcircle 25CC bullseye 25CE H18533 25CF " +
	"blackcircle 25CF circlewithlefthalfblack 25D0 circlewithrighthalfblack 25D1 bulletinverse 25D8 " +
	"invbullet 25D8 invcircle 25D9 whitecircleinverse 25D9 blacklowerrighttriangle 25E2 blacklowerlefttriangle 25E3 " +
	"blackupperlefttriangle 25E4 blackupperrighttriangle 25E5 openbullet 25E6 whitebullet 25E6 largecircle 25EF " +
	"ff FB00 fi FB01 fl FB02 ffi FB03 ffl FB04"
