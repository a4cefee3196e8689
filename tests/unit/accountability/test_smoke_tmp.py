def test_import():
    import services.accountability.domain
