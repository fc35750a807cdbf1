//! Identity documents and codes of the people in a report: the Italian fiscal code and the
//! country of citizenship.

/// ISO 3166-1 alpha-2 country codes (the 249 assigned codes, plus `XK` for Kosovo, which Italian
/// registries use), separated by spaces.
const COUNTRIES: &str = concat!(
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS ",
    "BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE ",
    "EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM ",
    "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC ",
    "LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA ",
    "NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ",
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO ",
    "TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW ",
);

/// Whether `code` (upper case) is an ISO 3166-1 alpha-2 country.
pub fn is_country(code: &str) -> bool {
    code.len() == 2 && COUNTRIES.split(' ').any(|c| c == code)
}

/// The value of each character of a fiscal code in odd position (1st, 3rd, …), per DM 23/12/1976.
const ODD: [u32; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

/// Letters that replace digits in fiscal codes issued to people with the same code (omocodia).
const OMOCODIA: &str = "LMNPQRSTUV";

/// Whether `code` is a valid Italian fiscal code: 16 characters with the right shape (omocodia
/// included) and check letter, or the 11-digit provisional code with its check digit.
pub fn is_fiscal_code(code: &str) -> bool {
    let code = code.trim().to_ascii_uppercase();
    let bytes = code.as_bytes();
    match bytes.len() {
        16 => {
            // Positions that hold digits (or their omocodia letters).
            let digit_at = [6, 7, 9, 10, 12, 13, 14];
            let shape_ok = bytes.iter().enumerate().take(15).all(|(i, b)| {
                if digit_at.contains(&i) {
                    b.is_ascii_digit() || OMOCODIA.as_bytes().contains(b)
                } else {
                    b.is_ascii_uppercase()
                }
            }) && b"ABCDEHLMPRST".contains(&bytes[8]);
            if !shape_ok || !bytes[15].is_ascii_uppercase() {
                return false;
            }
            let sum: u32 = bytes[..15]
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    let index = if b.is_ascii_digit() {
                        u32::from(b - b'0')
                    } else {
                        u32::from(b - b'A')
                    };
                    if i % 2 == 0 {
                        // Digits count like the letter of the same index (0 like A, 1 like B…).
                        ODD[index as usize]
                    } else {
                        index
                    }
                })
                .sum();
            u32::from(bytes[15] - b'A') == sum % 26
        }
        11 => {
            if !bytes.iter().all(u8::is_ascii_digit) {
                return false;
            }
            let d: Vec<u32> = bytes.iter().map(|b| u32::from(b - b'0')).collect();
            let mut sum = 0;
            for (i, v) in d[..10].iter().enumerate() {
                sum += if i % 2 == 0 {
                    *v
                } else {
                    let x = v * 2;
                    if x > 9 { x - 9 } else { x }
                };
            }
            (10 - sum % 10) % 10 == d[10]
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fiscal_codes_are_checked() {
        // A well-known example code and its check letter.
        assert!(is_fiscal_code("RSSMRA85T10A562S"));
        assert!(is_fiscal_code("rssmra85t10a562s"), "case does not matter");
        assert!(!is_fiscal_code("RSSMRA85T10A562T"), "wrong check letter");
        assert!(!is_fiscal_code("RSSMRA85Z10A562S"), "no month Z");
        assert!(!is_fiscal_code("RSSMRA85T10A56"), "too short");
        // Omocodia: the last digit of the place code replaced by its letter (2 -> N), new check.
        assert!(is_fiscal_code("RSSMRA85T10A56NH"));
        // Provisional 11-digit code.
        assert!(is_fiscal_code("12345678903"));
        assert!(!is_fiscal_code("12345678901"));
    }

    #[test]
    fn countries_are_iso_alpha_2() {
        for code in ["IT", "MA", "UA", "AF", "XK"] {
            assert!(is_country(code), "{code}");
        }
        for code in ["XX", "it", "ITA", "", "U"] {
            assert!(!is_country(code), "{code}");
        }
    }
}
