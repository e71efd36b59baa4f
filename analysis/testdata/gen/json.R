# Minimal JSON writer shared by the reference generators (R has no jsonlite
# here). Numbers are printed with 17 significant digits so that doubles
# round-trip; NaN, NA and infinities become the strings "NaN", "Inf", "-Inf".
# Wrap a numeric vector in arr() to force a JSON array even at length 1.

arr <- function(v) structure(v, json_array = TRUE)

json_num <- function(v) {
  vapply(v, function(e) {
    if (is.na(e)) "\"NaN\""
    else if (is.infinite(e)) if (e > 0) "\"Inf\"" else "\"-Inf\""
    else sprintf("%.17g", e)
  }, "")
}

to_json <- function(v) {
  if (is.null(v)) return("null")
  if (is.list(v)) {
    if (!is.null(names(v))) {
      parts <- mapply(function(k, e) paste0("\"", k, "\":", to_json(e)), names(v), v)
      return(paste0("{", paste(parts, collapse = ","), "}"))
    }
    return(paste0("[", paste(vapply(v, to_json, ""), collapse = ","), "]"))
  }
  if (is.logical(v)) {
    s <- ifelse(v, "true", "false")
  } else if (is.character(v)) {
    s <- paste0("\"", v, "\"")
  } else {
    s <- json_num(as.numeric(v))
  }
  if (length(v) == 1 && is.null(attr(v, "json_array"))) return(s)
  paste0("[", paste(s, collapse = ","), "]")
}
