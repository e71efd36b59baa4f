# A small JSON writer for the reference generators of CanaryJudge (R has no
# jsonlite here). Numbers carry 17 significant digits so that doubles
# round-trip; NA, NaN and infinities become the strings "NaN", "Inf" and
# "-Inf". Wrap a vector in ref_arr() to force an array at length one, and a
# matrix is written as an array of its rows.

ref_arr <- function(v) structure(v, ref_array = TRUE)

ref_num <- function(v) {
  vapply(v, function(e) {
    if (is.na(e)) "\"NaN\""
    else if (is.infinite(e)) if (e > 0) "\"Inf\"" else "\"-Inf\""
    else sprintf("%.17g", e)
  }, "")
}

ref_json <- function(v) {
  if (is.null(v)) return("null")
  if (is.matrix(v)) {
    rows <- lapply(seq_len(nrow(v)), function(i) ref_arr(v[i, ]))
    return(paste0("[", paste(vapply(rows, ref_json, ""), collapse = ","), "]"))
  }
  if (is.list(v)) {
    if (!is.null(names(v))) {
      parts <- mapply(function(k, e) paste0("\"", k, "\":", ref_json(e)), names(v), v)
      return(paste0("{", paste(parts, collapse = ","), "}"))
    }
    return(paste0("[", paste(vapply(v, ref_json, ""), collapse = ","), "]"))
  }
  if (is.logical(v)) {
    s <- ifelse(v, "true", "false")
  } else if (is.character(v)) {
    esc <- gsub("\"", "\\\\\"", gsub("\\\\", "\\\\\\\\", v))
    s <- paste0("\"", esc, "\"")
  } else {
    s <- ref_num(as.numeric(v))
  }
  if (length(v) == 1 && is.null(attr(v, "ref_array"))) return(s)
  paste0("[", paste(s, collapse = ","), "]")
}
