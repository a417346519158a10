"""Demand forecasting: demand history (censored days, cold start), social features, the
baseline and social models, reconciliation to locations, and the rolling-origin backtest.

The forecasting libraries (statsforecast, mlforecast, LightGBM, utilsforecast; the
``forecast`` extra) are imported by this package only, when a model is fitted.
"""
