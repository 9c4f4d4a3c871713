//! Every pattern has its page in `docs/patterns/`, and the page names what
//! the code declares: each role, parameter and property, and each library
//! scenario of the pattern. The pattern index links every page.

use std::path::Path;

fn read(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

#[test]
fn every_pattern_page_names_its_roles_params_properties_and_scenarios() {
    let index = read("docs/patterns/README.md");
    let mut missing = Vec::new();
    for entry in weft_scenarios::catalog::catalog() {
        let info = entry.info();
        let page_path = format!("docs/patterns/{}.md", info.name);
        if !index.contains(&format!("({}.md)", info.name)) {
            missing.push(format!("docs/patterns/README.md does not link {page_path}"));
        }
        let page = read(&page_path);
        let names = info
            .roles
            .iter()
            .map(|r| ("role", r.name))
            .chain(info.params.iter().map(|p| ("parameter", p.name)))
            .chain(info.properties.iter().map(|p| ("property", p.name)));
        for (what, name) in names {
            if !page.contains(&format!("`{name}`")) {
                missing.push(format!("{page_path} does not name {what} `{name}`"));
            }
        }
        for builtin in weft_scenarios::library() {
            let scenario = builtin.load(&[]).expect("library scenarios load");
            if scenario.info().name == info.name && !page.contains(&format!("`{}`", builtin.name)) {
                missing.push(format!("{page_path} does not name its scenario `{}`", builtin.name));
            }
        }
    }
    assert!(missing.is_empty(), "the pattern pages are out of date:\n{}", missing.join("\n"));
}
