# configs fragment
