//! User files: `u.user` (ML-100K: exact age, occupation names) and `users.dat` (ML-1M: age and
//! occupation codes).

use std::collections::{HashMap, HashSet};

use crate::data::dataset::{
    age_bucket_of_age, age_bucket_of_code, Demographics, Gender, ML1M_OCCUPATIONS,
};
use crate::data::error::{DataError, DataResult};
use crate::data::text::{parse_u32, split_fields, Encoding, Line, Skipped, TextFile};

/// Users with the dataset's ids, in file order, and their demographics.
pub struct RawUsers {
    pub ids: Vec<u32>,
    pub demographics: Demographics,
    /// Line of each user in its file.
    pub lines: Vec<usize>,
}

fn gender(field: &str) -> Result<Gender, String> {
    match field.trim() {
        "F" => Ok(Gender::F),
        "M" => Ok(Gender::M),
        other => Err(format!("gender: expected F or M, found {other:?}")),
    }
}

struct UsersBuilder {
    users: RawUsers,
    seen: HashSet<u32>,
    /// Occupation name → index (the names of `u.occupation`, or those met so far).
    occupation_index: std::collections::HashMap<String, u16>,
}

/// Most distinct occupations or genres a file may name: their indices are `u16`.
pub const MAX_LABELS: usize = 1 << 16;

impl UsersBuilder {
    fn new(occupations: Vec<String>) -> Self {
        UsersBuilder {
            users: RawUsers {
                ids: Vec::new(),
                demographics: Demographics {
                    occupations,
                    ..Demographics::default()
                },
                lines: Vec::new(),
            },
            occupation_index: HashMap::new(),
            seen: HashSet::new(),
        }
        .indexed()
    }

    fn indexed(mut self) -> Self {
        let names = &self.users.demographics.occupations;
        for (i, n) in names.iter().enumerate() {
            // The first of repeated names wins, as a search from the top would find it.
            self.occupation_index.entry(n.clone()).or_insert(i as u16);
        }
        self
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        line: &Line<'_>,
        file: &TextFile,
        id: u32,
        g: Gender,
        bucket: usize,
        exact: Option<u8>,
        occ: u16,
        zip: &str,
    ) -> DataResult<()> {
        if !self.seen.insert(id) {
            return Err(line.error(&file.path, format!("duplicate user id {id}")));
        }
        let d = &mut self.users.demographics;
        self.users.ids.push(id);
        self.users.lines.push(line.number);
        d.gender.push(g);
        d.age_bucket.push(bucket as u8);
        d.exact_age.push(exact);
        d.occupation.push(occ);
        d.zip.push(zip.trim().to_string());
        Ok(())
    }
}

fn handle(result: DataResult<()>, lenient: bool, skipped: &mut Skipped) -> DataResult<()> {
    match result {
        Err(e) if lenient => {
            skipped.record(e.to_string());
            Ok(())
        }
        other => other,
    }
}

/// Occupation names from `u.occupation`, one per line.
pub fn parse_u_occupation(file: &TextFile) -> DataResult<Vec<String>> {
    let mut out = Vec::new();
    for line in file.lines() {
        if out.len() >= MAX_LABELS {
            return Err(line.error(
                &file.path,
                format!("more than {MAX_LABELS} occupations; whyrec reads at most {MAX_LABELS}"),
            ));
        }
        out.push(
            line.decode(&file.path, Encoding::Latin1)?
                .trim()
                .to_string(),
        );
    }
    if out.is_empty() {
        return Err(DataError::file(&file.path, "no occupations found"));
    }
    Ok(out)
}

/// `u.user`: `id|age|gender|occupation|zip`.
pub fn parse_u_user(
    file: &TextFile,
    occupations: Option<Vec<String>>,
    lenient: bool,
    skipped: &mut Skipped,
) -> DataResult<RawUsers> {
    let fixed = occupations.is_some();
    let mut b = UsersBuilder::new(occupations.unwrap_or_default());
    for line in file.lines() {
        let r = (|| {
            let text = line.decode(&file.path, Encoding::Latin1)?;
            let f: Vec<&str> = text.split('|').collect();
            if f.len() != 5 {
                return Err(line.error(
                    &file.path,
                    format!(
                        "expected 5 fields `id|age|gender|occupation|zip`, found {}",
                        f.len()
                    ),
                ));
            }
            let err = |m: String| line.error(&file.path, m);
            let id = parse_u32(f[0].as_bytes(), "user id").map_err(err)?;
            let age = parse_u32(f[1].as_bytes(), "age").map_err(err)?;
            if age > 120 {
                return Err(err(format!("age: expected 0..=120, found {age}")));
            }
            let g = gender(f[2]).map_err(err)?;
            let name = f[3].trim();
            let occ = match b.occupation_index.get(name) {
                Some(&p) => p,
                None if !fixed => {
                    let occs = &mut b.users.demographics.occupations;
                    if occs.len() >= MAX_LABELS {
                        return Err(err(format!(
                            "occupation {name:?} would be distinct occupation number {}; whyrec reads at most {MAX_LABELS}",
                            occs.len() + 1
                        )));
                    }
                    occs.push(name.to_string());
                    let p = (occs.len() - 1) as u16;
                    b.occupation_index.insert(name.to_string(), p);
                    p
                }
                None => {
                    return Err(err(format!(
                        "occupation: {name:?} is not listed in u.occupation"
                    )))
                }
            };
            b.push(
                &line,
                file,
                id,
                g,
                age_bucket_of_age(age),
                Some(age as u8),
                occ,
                f[4],
            )
        })();
        handle(r, lenient, skipped)?;
    }
    finish(file, b)
}

/// `users.dat`: `UserID::Gender::Age::Occupation::Zip-code` with ML-1M's codes.
pub fn parse_users_dat(
    file: &TextFile,
    encoding: Encoding,
    lenient: bool,
    skipped: &mut Skipped,
) -> DataResult<RawUsers> {
    let mut b = UsersBuilder::new(ML1M_OCCUPATIONS.iter().map(|s| s.to_string()).collect());
    for line in file.lines() {
        let r = (|| {
            let text = line.decode(&file.path, encoding)?;
            let f = split_fields(text.as_bytes(), b"::");
            if f.len() != 5 {
                return Err(line.error(
                    &file.path,
                    format!(
                        "expected 5 fields `UserID::Gender::Age::Occupation::Zip-code`, found {}",
                        f.len()
                    ),
                ));
            }
            let err = |m: String| line.error(&file.path, m);
            let id = parse_u32(f[0], "user id").map_err(err)?;
            let g = gender(&String::from_utf8_lossy(f[1])).map_err(err)?;
            let code = parse_u32(f[2], "age").map_err(err)?;
            let bucket = age_bucket_of_code(code).ok_or_else(|| {
                err(format!(
                    "age: expected one of the codes 1, 18, 25, 35, 45, 50, 56, found {code}"
                ))
            })?;
            let occ = parse_u32(f[3], "occupation").map_err(err)?;
            if occ as usize >= ML1M_OCCUPATIONS.len() {
                return Err(err(format!(
                    "occupation: expected a code 0..=20, found {occ}"
                )));
            }
            let zip = String::from_utf8_lossy(f[4]).into_owned();
            b.push(&line, file, id, g, bucket, None, occ as u16, &zip)
        })();
        handle(r, lenient, skipped)?;
    }
    finish(file, b)
}

fn finish(file: &TextFile, b: UsersBuilder) -> DataResult<RawUsers> {
    if b.users.ids.is_empty() {
        return Err(DataError::file(&file.path, "no users found"));
    }
    Ok(b.users)
}
