"""The KPI report's renderers: ``kpi_table.render_kpi_table`` and ``kpi_html.render_kpi_html``."""
