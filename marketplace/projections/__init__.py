"""Read models: pure reducers (event → row changes) and the stores that apply them."""
