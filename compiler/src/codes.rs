//! The pages of the diagnostic codes (`docs/codes/CODE.md`), embedded at build time, for
//! `drove explain CODE` and the language server's hover on a code.

mod pages {
    include!(concat!(env!("OUT_DIR"), "/code_pages.rs"));
}

/// The Markdown page of a code (case-insensitive: `e0101` finds `E0101`).
pub fn explain(code: &str) -> Option<&'static str> {
    let code = code.trim().to_ascii_uppercase();
    pages::PAGES.binary_search_by(|(c, _)| (*c).cmp(code.as_str())).ok().map(|i| pages::PAGES[i].1)
}

/// Every `(code, page)`, sorted by code.
pub fn all() -> &'static [(&'static str, &'static str)] {
    pages::PAGES
}

/// The short title from a page's first line, `# E0101: unknown name` → `unknown name`.
pub fn title(page: &str) -> &str {
    let first = page.lines().next().unwrap_or("");
    first.split_once(':').map_or(first, |(_, t)| t).trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_starts_with_its_code_and_a_title() {
        for (code, page) in all() {
            let first = page.lines().next().unwrap_or("");
            assert!(first.starts_with(&format!("# {code}: ")), "{code}: first line is {first:?}");
            assert!(!title(page).is_empty(), "{code} has no title");
            assert_eq!(explain(&code.to_ascii_lowercase()), Some(*page));
        }
        assert_eq!(explain("E9999x"), None);
    }

    #[test]
    fn titles_come_from_the_first_line() {
        assert_eq!(title("# E0101: unknown name\n\nmore"), "unknown name");
    }
}
