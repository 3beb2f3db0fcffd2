//! Spreadsheets as a county pharmacy writes them: reading CSV (UTF-8 with or without BOM, and
//! GBK/GB18030 as Excel in China writes it) and XLSX into rows of strings, and writing a list
//! as an XLSX workbook whose numbers are numbers. Every capability's import and export uses it.
use std::io::Cursor;

use crate::i18n::tr;

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("this is not a CSV or XLSX spreadsheet: {0}")]
    NotSpreadsheet(String),
    #[error("the header row is missing these columns: {0}")]
    MissingColumns(String),
    #[error("the file has no data rows")]
    Empty,
}

/// Read a spreadsheet into rows of strings (header first).
pub fn read_table(bytes: &[u8]) -> Result<Vec<Vec<String>>, FileError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes);
    }
    if bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Err(FileError::NotSpreadsheet(tr(
            "不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV",
            "old .xls files are not supported; save as .xlsx or CSV",
        )));
    }
    let text = decode_text(bytes)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(&text))
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            tracing::info!(error = %e, "unreadable CSV");
            FileError::NotSpreadsheet(tr(
                "CSV 文件格式有误（如引号未闭合），请用 Excel 另存为 CSV 或 XLSX 后再试",
                "the CSV file is malformed (an unclosed quote, say); save it again from Excel as CSV or XLSX",
            ))
        })?;
        out.push(rec.iter().map(|s| s.trim().to_string()).collect());
    }
    Ok(out)
}

/// Comma, or tab for rows copied out of Excel (which pastes tab-separated text): the header
/// line decides, by which of the two it has more of.
fn delimiter(text: &str) -> u8 {
    let head = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let tabs = head.matches('\t').count();
    if tabs > 0 && tabs >= head.matches(',').count() {
        b'\t'
    } else {
        b','
    }
}

/// UTF-8 (BOM stripped) or, failing that, GB18030 (a superset of GBK).
pub fn decode_text(bytes: &[u8]) -> Result<String, FileError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(FileError::NotSpreadsheet(tr(
            "文件包含二进制内容",
            "the file contains binary data",
        )));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        return Err(FileError::NotSpreadsheet(tr(
            "文本既不是 UTF-8 也不是 GBK 编码",
            "the text is neither UTF-8 nor GBK",
        )));
    }
    Ok(text.into_owned())
}

/// A workbook calamine cannot read, said in the reader's language (the library's words go to
/// the log).
fn unreadable_xlsx(e: impl std::fmt::Display) -> FileError {
    tracing::info!(error = %e, "unreadable XLSX");
    FileError::NotSpreadsheet(tr(
        "无法读取这个 XLSX 文件（可能已损坏或加密），请用 Excel 重新保存后再试",
        "this XLSX file cannot be read (damaged or encrypted?); save it again from Excel",
    ))
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, FileError> {
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).map_err(unreadable_xlsx)?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| {
            FileError::NotSpreadsheet(tr("工作簿中没有工作表", "the workbook has no sheet"))
        })?
        .map_err(unreadable_xlsx)?;
    Ok(range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                        format!("{}", *f as i64)
                    }
                    other => other.to_string().replace('\0', "").trim().to_string(),
                })
                .collect()
        })
        .collect())
}

/// A cell of an exported sheet: text stays text (codes are not reformatted by Excel), numbers
/// are numbers (Excel sums and sorts them).
pub enum Cell {
    Text(String),
    Int(i64),
    /// A date, written as text `YYYY-MM-DD` (what a user types back in an import).
    Date(chrono::NaiveDate),
    /// Money or another decimal: a number Excel sums, shown with its decimals (a price to 4
    /// places keeps them; an amount shows 2).
    Decimal(rust_decimal::Decimal),
    Empty,
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// Display width of a cell's text (CJK characters count double).
fn width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// One sheet with a bold, frozen header row; each column as wide as its widest cell (within
/// bounds), so that names are not cut and nothing needs widening by hand.
pub fn xlsx(
    sheet: &str,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<Cell>>,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(sheet)?;
    let bold = Format::new().set_bold();
    let amount = Format::new().set_num_format("0.00");
    let price = Format::new().set_num_format("0.00##");
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in rows.into_iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.into_iter().enumerate() {
            if c >= widths.len() {
                widths.push(0);
            }
            match cell {
                Cell::Text(v) => {
                    widths[c] = widths[c].max(width(&v));
                    ws.write_string(r, c as u16, v)?;
                }
                Cell::Int(n) => {
                    widths[c] = widths[c].max(n.to_string().len());
                    ws.write_number(r, c as u16, n as f64)?;
                }
                Cell::Date(d) => {
                    widths[c] = widths[c].max(10);
                    ws.write_string(r, c as u16, d.to_string())?;
                }
                Cell::Decimal(d) => {
                    use rust_decimal::prelude::ToPrimitive;
                    let text = d.to_string();
                    widths[c] = widths[c].max(text.len());
                    let format = if d.scale() > 2 { &price } else { &amount };
                    ws.write_number_with_format(r, c as u16, d.to_f64().unwrap_or(0.0), format)?;
                }
                Cell::Empty => {}
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, (*w as f64 + 2.0).clamp(6.0, 60.0))?;
    }
    ws.set_freeze_panes(1, 0)?;
    wb.save_to_buffer()
}

/// The XLSX content type.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_pasted_from_excel_are_tab_separated() {
        let pasted = "条目编号\t药品名称\t请领量(包装)\n12\t阿莫西林胶囊, 0.25g\t3\n";
        assert_eq!(
            read_table(pasted.as_bytes()).unwrap(),
            vec![
                vec!["条目编号", "药品名称", "请领量(包装)"],
                vec!["12", "阿莫西林胶囊, 0.25g", "3"]
            ]
        );
        let csv = "条目编号,请领量(包装)\n12,3\n";
        assert_eq!(
            read_table(csv.as_bytes()).unwrap(),
            vec![vec!["条目编号", "请领量(包装)"], vec!["12", "3"]]
        );
    }
}
