title = "Evals: \"hostile\" # {{ env.CASEBOOK_EVALS_SECRET }} --- : x"
version = "0.1.0"
