# Where the roles' views lived before the role_views module: the same objects at new addresses,
# so that an apply moves them in state instead of destroying and creating them again (a view
# dropped and created loses its authorization on the base dataset in between).
#
# Each role's datasets, table views, authorizations and readers moved whole. The analysts' views
# of analysis (analysis_view, authorized_analysis_view) join the same resources as their table
# views, so they move one by one: those of the views that existed then. A view added since was
# never at the old address and needs no move.

moved {
  from = google_bigquery_dataset.analyst
  to   = module.analyst_views.google_bigquery_dataset.this
}

moved {
  from = google_bigquery_table.analyst_view
  to   = module.analyst_views.google_bigquery_table.view
}

moved {
  from = google_bigquery_dataset_access.authorized_view
  to   = module.analyst_views.google_bigquery_dataset_access.authorized_view
}

moved {
  from = google_bigquery_dataset_iam_member.analysts_read_views
  to   = module.analyst_views.google_bigquery_dataset_iam_member.reader
}

moved {
  from = google_bigquery_dataset.data_scientist
  to   = module.data_scientist_views.google_bigquery_dataset.this
}

moved {
  from = google_bigquery_table.data_scientist_view
  to   = module.data_scientist_views.google_bigquery_table.view
}

moved {
  from = google_bigquery_dataset_access.authorized_data_scientist_view
  to   = module.data_scientist_views.google_bigquery_dataset_access.authorized_view
}

moved {
  from = google_bigquery_dataset_iam_member.data_scientists_read_views
  to   = module.data_scientist_views.google_bigquery_dataset_iam_member.reader
}

moved {
  from = google_bigquery_table.analysis_view["daily_term_volumes"]
  to   = module.analyst_views.google_bigquery_table.view["daily_term_volumes"]
}

moved {
  from = google_bigquery_dataset_access.authorized_analysis_view["daily_term_volumes"]
  to   = module.analyst_views.google_bigquery_dataset_access.authorized_view["daily_term_volumes"]
}

moved {
  from = google_bigquery_table.analysis_view["daily_tweet_volumes"]
  to   = module.analyst_views.google_bigquery_table.view["daily_tweet_volumes"]
}

moved {
  from = google_bigquery_dataset_access.authorized_analysis_view["daily_tweet_volumes"]
  to   = module.analyst_views.google_bigquery_dataset_access.authorized_view["daily_tweet_volumes"]
}

moved {
  from = google_bigquery_table.analysis_view["emerging_topics"]
  to   = module.analyst_views.google_bigquery_table.view["emerging_topics"]
}

moved {
  from = google_bigquery_dataset_access.authorized_analysis_view["emerging_topics"]
  to   = module.analyst_views.google_bigquery_dataset_access.authorized_view["emerging_topics"]
}

moved {
  from = google_bigquery_table.analysis_view["model_metrics_latest"]
  to   = module.analyst_views.google_bigquery_table.view["model_metrics_latest"]
}

moved {
  from = google_bigquery_dataset_access.authorized_analysis_view["model_metrics_latest"]
  to   = module.analyst_views.google_bigquery_dataset_access.authorized_view["model_metrics_latest"]
}

moved {
  from = google_bigquery_table.analysis_view["stock_vs_trends"]
  to   = module.analyst_views.google_bigquery_table.view["stock_vs_trends"]
}

moved {
  from = google_bigquery_dataset_access.authorized_analysis_view["stock_vs_trends"]
  to   = module.analyst_views.google_bigquery_dataset_access.authorized_view["stock_vs_trends"]
}
