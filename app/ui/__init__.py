"""Small Streamlit helpers shared by the pages: session state, configuration, backend choice."""
